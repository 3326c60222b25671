/* sync_usage.c - bytes at the socket, CPU and memory from the kernel. */
#include "sync_usage.h"

#include <linux/tcp.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

long long sync_usage_bytes(const struct sync_db *db)
{
	if (!db || !db->conn)
		return -1;
	int fd = PQsocket(db->conn);
	struct tcp_info info;
	socklen_t len = sizeof info;
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) +
	          sizeof info.tcpi_bytes_received)
		return -1;
	return (long long)info.tcpi_bytes_received;
}

void sync_usage_now(struct sync_usage *u)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0) {
		*u = (struct sync_usage){ 0 };
		return;
	}
	u->user_ms = (double)ru.ru_utime.tv_sec * 1000.0 +
	             (double)ru.ru_utime.tv_usec / 1000.0;
	u->sys_ms = (double)ru.ru_stime.tv_sec * 1000.0 +
	            (double)ru.ru_stime.tv_usec / 1000.0;
	u->peak_rss_kb = ru.ru_maxrss; /* kilobytes on Linux */
}
