/* free_port - prints a TCP port on 127.0.0.1 that was free a moment ago
 * (the kernel picks it), for the tests' servers; a Python start per port
 * cost 40 ms. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		perror("free_port");
		return 1;
	}
	printf("%u\n", (unsigned)ntohs(a.sin_port));
	close(fd);
	return 0;
}
