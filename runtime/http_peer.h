/* http_peer.h - whether the caller of a request still waits for its
 * answer.
 *
 * civetweb does not hand out a connection's socket, so the socket is found
 * by its two ends (the client's address and port, our listening port) among
 * the process's descriptors; then a zero-timeout poll tells whether the
 * client closed its side. Used only after the work is done, to say in the
 * log that an answer was not delivered (QStash or a proxy gave up waiting),
 * and to stop reading what a refused request still sends.
 */
#ifndef SYNCFN_HTTP_PEER_H
#define SYNCFN_HTTP_PEER_H

/* 1 when the client at remote_addr:remote_port (connected to our
 * server_port) has closed or reset the connection, 0 otherwise (also when
 * the socket cannot be found). */
int http_peer_gone(const char *remote_addr, int remote_port, int server_port);

/* Ends the reading side of that client's socket, once it has its answer
 * to a request whose body was not read (408, 413, a malformed body):
 * civetweb would otherwise read and discard the rest of the declared
 * body for as long as the client trickles it, one worker held all the
 * while. Nothing when the socket cannot be found. */
void http_peer_stop_reading(const char *remote_addr, int remote_port,
                            int server_port);

#endif
