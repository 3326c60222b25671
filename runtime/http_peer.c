/* http_peer.c - has the caller hung up? (see http_peer.h) */
#include "http_peer.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return -1;
}

static int addr_is(const struct sockaddr_storage *ss, const char *text)
{
	char buf[64] = "";
	const void *a = ss->ss_family == AF_INET
	                        ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
	                        : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (!inet_ntop(ss->ss_family, a, buf, sizeof buf))
		return 0;
	return strcmp(buf, text) == 0;
}

static int is_the_socket(int fd, const char *remote_addr, int remote_port,
                         int server_port)
{
	struct sockaddr_storage peer, self;
	socklen_t pl = sizeof peer, sl = sizeof self;
	if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0 ||
	    getsockname(fd, (struct sockaddr *)&self, &sl) != 0)
		return 0;
	return port_of(&peer) == remote_port && port_of(&self) == server_port &&
	       addr_is(&peer, remote_addr);
}

static int closed_by_peer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return 1;
	char c;
	/* readable: EOF (0) is a hang-up; bytes are a pipelined request */
	return (p.revents & POLLIN) && recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* The descriptor of the caller's socket, -1 when it cannot be found. */
static int find_socket(const char *remote_addr, int remote_port, int server_port)
{
	/* the open descriptors only: a handful, where the limit may be 1M */
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		int found = -1;
		struct dirent *e;
		while (found < 0 && (e = readdir(d)) != NULL) {
			int fd = atoi(e->d_name);
			if (fd > 2 && fd != dirfd(d) &&
			    is_the_socket(fd, remote_addr, remote_port, server_port))
				found = fd;
		}
		closedir(d);
		return found;
	}
	for (int fd = 3; fd < 1024; fd++)
		if (is_the_socket(fd, remote_addr, remote_port, server_port))
			return fd;
	return -1;
}

int http_peer_gone(const char *remote_addr, int remote_port, int server_port)
{
	int fd = find_socket(remote_addr, remote_port, server_port);
	return fd >= 0 && closed_by_peer(fd);
}

void http_peer_stop_reading(const char *remote_addr, int remote_port,
                            int server_port)
{
	int fd = find_socket(remote_addr, remote_port, server_port);
	if (fd >= 0)
		shutdown(fd, SHUT_RD);
}
