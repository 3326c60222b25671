/* http_peer.h - whether the caller of a request still waits for its
 * answer.
 *
 * civetweb does not hand out a connection's socket, so the socket is found
 * by its two ends (the client's address and port, our listening port) among
 * the process's descriptors; then a zero-timeout poll tells whether the
 * client closed its side. Used only after the work is done, to say in the
 * log that an answer was not delivered (QStash or a proxy gave up waiting).
 */
#ifndef SYNCFN_HTTP_PEER_H
#define SYNCFN_HTTP_PEER_H

/* 1 when the client at remote_addr:remote_port (connected to our
 * server_port) has closed or reset the connection, 0 otherwise (also when
 * the socket cannot be found). */
int http_peer_gone(const char *remote_addr, int remote_port, int server_port);

#endif
