/* coldstart.c - exec -> first HTTP response, measured from outside.
 *
 *   coldstart [-n RUNS] [-p PATH] [-s STATUS] [-x] [-l LOG] [-a TOKEN] -- PROGRAM ARGS...
 *
 * Each run picks a free loopback port, forks and execs PROGRAM with PORT
 * set in its environment (and every argument "{PORT}" replaced by it),
 * polls connect() on 127.0.0.1:PORT about every 20 us, sends one
 * `GET PATH`, reads the whole response and checks its status. Without -x
 * the server is then killed (SIGKILL: its own shutdown is not what we
 * measure); with -x it must exit by itself, and the time from the end of
 * the response to its exit is recorded too. Peak RSS and CPU time (user
 * and system, every thread, to the kill or the exit) come from wait4()
 * of that very child.
 *
 * Prints one line of key=value figures (milliseconds, kilobytes) on
 * stdout; the first failure of any run is reported on stderr. Exit status
 * 0 when every run succeeded, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 10000
#define MAX_ARGS 64
#define RESP_MAX 65536
#define START_TIMEOUT_S 10.0
#define EXIT_TIMEOUT_S 10

struct opts {
	int runs;
	const char *path;
	int status;
	int wait_exit;
	const char *log;
	const char *token; /* -a: sent as Authorization: Bearer */
	char **argv;
};

struct run {
	double resp_ms;
	double exit_ms; /* after the response; -1 without -x */
	long maxrss_kb;
	double cpu_ms; /* the server's user + system time, all threads */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd, port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static pid_t spawn(const struct opts *o, int port)
{
	char portstr[16], *argv[MAX_ARGS + 1];
	pid_t pid;
	int i, fd;

	snprintf(portstr, sizeof(portstr), "%d", port);
	for (i = 0; o->argv[i] && i < MAX_ARGS; i++)
		argv[i] = strcmp(o->argv[i], "{PORT}") == 0 ? portstr : o->argv[i];
	argv[i] = NULL;
	pid = fork();
	if (pid != 0)
		return pid;
	setenv("PORT", portstr, 1);
	fd = o->log ? open(o->log, O_WRONLY | O_CREAT | O_APPEND, 0644)
	            : open("/dev/null", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	execv(argv[0], argv);
	_exit(127);
}

/* Connects to 127.0.0.1:port, retrying every ~20 us while nothing
 * listens; gives up when the child died or the deadline passed. */
static int connect_poll(int port, pid_t pid, double deadline, char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, st, one = 1;

	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		close(fd);
		if (errno != ECONNREFUSED) {
			snprintf(err, errlen, "connect: %s", strerror(errno));
			return -1;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			snprintf(err, errlen, "server exited before listening (status %d)",
			         WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			return -2;
		}
		if (now_ms() > deadline) {
			snprintf(err, errlen, "nothing listened within %.0f s", START_TIMEOUT_S);
			return -1;
		}
		sleep_us(20);
	}
}

/* Length of the whole response once headers and Content-Length bytes of
 * body are in buf, else 0 (read on: to EOF if there is no length). */
static size_t response_complete(const char *buf, size_t n)
{
	const char *end = memmem(buf, n, "\r\n\r\n", 4), *cl;
	size_t hlen;

	if (!end)
		return 0;
	hlen = (size_t)(end - buf) + 4;
	cl = strcasestr(buf, "\r\ncontent-length:");
	if (!cl || cl > end)
		return 0;
	return n >= hlen + strtoul(cl + 17, NULL, 10) ? n : 0;
}

/* Sends GET path and reads the response; returns its status code or -1. */
static int request(int fd, const char *path, const char *token, char *err,
                   size_t errlen)
{
	char req[1024], buf[RESP_MAX + 1];
	struct timeval tv = { 5, 0 };
	size_t n = 0;
	ssize_t r;
	int len, status;

	len = snprintf(req, sizeof(req),
	               "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sConnection: close\r\n\r\n",
	               path, token ? "Authorization: Bearer " : "", token ? token : "",
	               token ? "\r\n" : "");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, req, (size_t)len) != len) {
		snprintf(err, errlen, "send: %s", strerror(errno));
		return -1;
	}
	while (n < RESP_MAX) {
		r = read(fd, buf + n, RESP_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (response_complete(buf, n))
			break;
	}
	buf[n] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
		snprintf(err, errlen, "no HTTP status line in %zu bytes of response", n);
		return -1;
	}
	return status;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Reaps the child; with wait_exit it must exit by itself within
 * EXIT_TIMEOUT_S (wait4 is interrupted by SIGALRM otherwise). */
static int reap(pid_t pid, int wait_exit, struct run *res, double *exited_at)
{
	struct rusage ru;
	int st;
	pid_t r;

	if (!wait_exit)
		kill(pid, SIGKILL);
	else
		alarm(EXIT_TIMEOUT_S);
	r = wait4(pid, &st, 0, &ru);
	*exited_at = now_ms();
	alarm(0);
	if (r != pid) {
		kill(pid, SIGKILL);
		wait4(pid, &st, 0, &ru);
		res->maxrss_kb = ru.ru_maxrss;
		return -1;
	}
	res->maxrss_kb = ru.ru_maxrss;
	res->cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	              (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	if (wait_exit && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		return -2;
	return 0;
}

static int one_run(const struct opts *o, struct run *res, char *err, size_t errlen)
{
	double t0, t_resp, t_exit;
	int port = free_port(), fd, status, rc;
	pid_t pid;

	if (port < 0) {
		snprintf(err, errlen, "no free port: %s", strerror(errno));
		return -1;
	}
	t0 = now_ms();
	pid = spawn(o, port);
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	fd = connect_poll(port, pid, t0 + START_TIMEOUT_S * 1e3, err, errlen);
	if (fd == -2)
		return -1; /* already reaped */
	status = fd < 0 ? -1 : request(fd, o->path, o->token, err, errlen);
	t_resp = now_ms();
	rc = reap(pid, o->wait_exit && status == o->status, res, &t_exit);
	if (fd >= 0)
		close(fd);
	if (status < 0)
		return -1;
	if (status != o->status) {
		snprintf(err, errlen, "GET %s answered %d, expected %d", o->path, status, o->status);
		return -1;
	}
	if (rc == -1) {
		snprintf(err, errlen, "server did not exit within %d s of the response", EXIT_TIMEOUT_S);
		return -1;
	}
	if (rc == -2) {
		snprintf(err, errlen, "server exited with a nonzero status after the response");
		return -1;
	}
	res->resp_ms = t_resp - t0;
	res->exit_ms = o->wait_exit ? t_exit - t_resp : -1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* q-quantile by the nearest-rank method; q = 0.5 averages the middle two. */
static double quantile(double *v, int n, double q)
{
	int k;

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	if (q == 0.5 && n % 2 == 0)
		return (v[n / 2 - 1] + v[n / 2]) / 2;
	k = (int)(q * n + 0.999999) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void usage(void)
{
	fprintf(stderr, "usage: coldstart [-n RUNS] [-p PATH] [-s STATUS] [-x] [-l LOG] [-a TOKEN] -- PROGRAM ARGS...\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .runs = 50, .path = "/healthz", .status = 200 };
	while ((c = getopt(argc, argv, "n:p:s:xl:a:")) != -1) {
		switch (c) {
		case 'n': o->runs = atoi(optarg); break;
		case 'p': o->path = optarg; break;
		case 's': o->status = atoi(optarg); break;
		case 'x': o->wait_exit = 1; break;
		case 'l': o->log = optarg; break;
		case 'a': o->token = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc || o->runs < 1 || o->runs > MAX_RUNS || argc - optind > MAX_ARGS)
		usage();
	o->argv = argv + optind;
}

static void report(const struct opts *o, const struct run *runs, int ok)
{
	static double v[MAX_RUNS];
	long rss_max = 0;
	int i;

	printf("runs=%d ok=%d", o->runs, ok);
	if (ok > 0) {
		for (i = 0; i < ok; i++)
			v[i] = runs[i].resp_ms;
		printf(" resp_median_ms=%.2f", quantile(v, ok, 0.5));
		printf(" resp_p90_ms=%.2f resp_p99_ms=%.2f resp_min_ms=%.2f",
		       quantile(v, ok, 0.9), quantile(v, ok, 0.99), v[0]);
		/* CPU time waits for no other process: on a loaded machine it
		 * still compares two builds where the wall clock cannot */
		for (i = 0; i < ok; i++)
			v[i] = runs[i].cpu_ms;
		printf(" cpu_median_ms=%.2f", quantile(v, ok, 0.5));
		if (o->wait_exit) {
			for (i = 0; i < ok; i++)
				v[i] = runs[i].exit_ms;
			printf(" exit_median_ms=%.2f", quantile(v, ok, 0.5));
			printf(" exit_p90_ms=%.2f", quantile(v, ok, 0.9));
		}
		for (i = 0; i < ok; i++)
			if (runs[i].maxrss_kb > rss_max)
				rss_max = runs[i].maxrss_kb;
		printf(" maxrss_kb=%ld", rss_max);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct run runs[MAX_RUNS];
	struct sigaction sa = { .sa_handler = on_alarm };
	struct opts o;
	char err[256], first_err[256] = "";
	int i, ok = 0;

	parse(argc, argv, &o);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: interrupts wait4 */
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_TIMERSLACK, 1UL); /* 20 us sleeps, not the default 50 us slack */
	for (i = 0; i < o.runs; i++) {
		err[0] = '\0';
		if (one_run(&o, &runs[ok], err, sizeof(err)) == 0)
			ok++;
		else if (!first_err[0])
			snprintf(first_err, sizeof(first_err), "run %d: %s", i + 1, err);
	}
	report(&o, runs, ok);
	if (first_err[0])
		fprintf(stderr, "coldstart: %d of %d runs failed; first: %s\n", o.runs - ok, o.runs, first_err);
	return ok == o.runs ? 0 : 1;
}
