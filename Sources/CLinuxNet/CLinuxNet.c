// One-line wrappers that need _GNU_SOURCE or the kernel's struct tcp_info (see CLinuxNet.h).
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include "CLinuxNet.h"

_Static_assert(sizeof(clinuxnet_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");

int clinuxnet_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen) { return accept4(fd, addr, addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC); }
int clinuxnet_pipe2(int fds[2]) { return pipe2(fds, O_NONBLOCK | O_CLOEXEC); }
int clinuxnet_set_pipe_size(int fd, int size) { return fcntl(fd, F_SETPIPE_SZ, size); }
ssize_t clinuxnet_splice(int fd_in, int fd_out, size_t len) { return splice(fd_in, NULL, fd_out, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK); }
int clinuxnet_set_tcp_nodelay(int fd, int on) { return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)); }

int clinuxnet_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

int clinuxnet_get_peer_credentials(int fd, clinuxnet_peer_credentials *out) {
    struct ucred c; socklen_t len = sizeof(c);
    int rc = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len);
    if (rc == 0) { out->pid = c.pid; out->uid = c.uid; out->gid = c.gid; }
    return rc;
}

int clinuxnet_get_tcp_info(int fd, clinuxnet_tcp_info *out) {
    struct tcp_info i = {0}; socklen_t len = sizeof(i);
    int rc = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &i, &len);
    if (rc == 0) {
        out->bytes_acked = i.tcpi_bytes_acked; out->bytes_received = i.tcpi_bytes_received;
        out->segs_in = i.tcpi_segs_in; out->segs_out = i.tcpi_segs_out;
        out->rtt_us = i.tcpi_rtt; out->state = i.tcpi_state;
    }
    return rc;
}

int clinuxnet_recvmmsg(int fd, clinuxnet_mmsghdr *vec, unsigned int vlen, int flags) { return recvmmsg(fd, (struct mmsghdr *)vec, vlen, flags, NULL); }
int clinuxnet_sendmmsg(int fd, clinuxnet_mmsghdr *vec, unsigned int vlen, int flags) { return sendmmsg(fd, (struct mmsghdr *)vec, vlen, flags); }
