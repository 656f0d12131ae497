#ifndef C_LINUX_NET_H
#define C_LINUX_NET_H
// Thin shim over Linux networking calls for the reactor and engines. Declarations and
// one-line wrappers only: no logic lives here (STYLE.md, "C only in a thin shim target").
//
// Two kinds of wrapper:
// - `static inline` here, for calls whose declarations every Glibc build exposes;
// - one-line functions in CLinuxNet.c, for calls that need _GNU_SOURCE (accept4, pipe2,
//   splice, F_SETPIPE_SZ, struct ucred, recvmmsg/sendmmsg) or the kernel's own struct tcp_info
//   (<linux/tcp.h>: glibc's copy in <netinet/tcp.h> lacks tcpi_bytes_acked and later fields,
//   and the two headers cannot be included together). Clang modules do not pass a
//   `#define _GNU_SOURCE` in this header on to the system headers, so those live in the .c file.
#include <stdint.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <netinet/in.h>

// MARK: - Constants Swift imports awkwardly (enum-typed or missing).

static const uint32_t CLINUXNET_EPOLLIN = EPOLLIN;
static const uint32_t CLINUXNET_EPOLLOUT = EPOLLOUT;
static const uint32_t CLINUXNET_EPOLLERR = EPOLLERR;
static const uint32_t CLINUXNET_EPOLLHUP = EPOLLHUP;
static const uint32_t CLINUXNET_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t CLINUXNET_EPOLLET = EPOLLET;
static const int CLINUXNET_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
static const int CLINUXNET_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
static const int CLINUXNET_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
static const int CLINUXNET_SOCK_STREAM = SOCK_STREAM;
static const int CLINUXNET_SOCK_DGRAM = SOCK_DGRAM;
static const int CLINUXNET_SOCK_NONBLOCK = SOCK_NONBLOCK;
static const int CLINUXNET_SOCK_CLOEXEC = SOCK_CLOEXEC;
static const int CLINUXNET_EAGAIN = EAGAIN;
static const int CLINUXNET_EWOULDBLOCK = EWOULDBLOCK;
static const int CLINUXNET_EINPROGRESS = EINPROGRESS;
static const int CLINUXNET_EINTR = EINTR;
static const int CLINUXNET_EMFILE = EMFILE;
static const int CLINUXNET_ENFILE = ENFILE;
static const int CLINUXNET_ENOBUFS = ENOBUFS;
static const int CLINUXNET_ENOMEM = ENOMEM;
static const int CLINUXNET_ECONNABORTED = ECONNABORTED;
static const int CLINUXNET_MSG_NOSIGNAL = MSG_NOSIGNAL;
static const int CLINUXNET_MSG_DONTWAIT = MSG_DONTWAIT;

// MARK: - epoll (struct epoll_event is packed on x86_64: 12 bytes, data at offset 4).

/// Size in bytes of one `struct epoll_event`, for sizing an event buffer from Swift.
static inline size_t clinuxnet_epoll_event_size(void) { return sizeof(struct epoll_event); }
/// The event mask of entry `index` in an `epoll_wait` buffer.
static inline uint32_t clinuxnet_epoll_event_events(const void *buffer, int index) { return ((const struct epoll_event *)buffer)[index].events; }
/// The 64-bit user data of entry `index` in an `epoll_wait` buffer.
static inline uint64_t clinuxnet_epoll_event_data(const void *buffer, int index) { return ((const struct epoll_event *)buffer)[index].data.u64; }
/// Writes entry `index` of an event buffer (used by tests and by callers building events).
static inline void clinuxnet_epoll_event_set(void *buffer, int index, uint32_t events, uint64_t data) { struct epoll_event *e = &((struct epoll_event *)buffer)[index]; e->events = events; e->data.u64 = data; }
static inline int clinuxnet_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
/// `epoll_ctl` with the event built in place from a mask and 64-bit data.
static inline int clinuxnet_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) { struct epoll_event e = { .events = events, .data = { .u64 = data } }; return epoll_ctl(epfd, op, fd, &e); }
static inline int clinuxnet_epoll_wait(int epfd, void *buffer, int maxevents, int timeout_ms) { return epoll_wait(epfd, (struct epoll_event *)buffer, maxevents, timeout_ms); }

// MARK: - eventfd

static inline int clinuxnet_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline int clinuxnet_eventfd_signal(int fd) { return eventfd_write(fd, 1); }
/// Drains the counter; returns 0 and the count, or -1 with errno (EAGAIN when already zero).
static inline int clinuxnet_eventfd_drain(int fd, uint64_t *value) { return eventfd_read(fd, value); }

// MARK: - Clock

/// CLOCK_MONOTONIC in nanoseconds.
static inline uint64_t clinuxnet_monotonic_ns(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec; }

// MARK: - Process

/// The soft RLIMIT_NOFILE (the highest fd number + 1 this process may open), or -1.
static inline int64_t clinuxnet_nofile_limit(void) { struct rlimit r; return getrlimit(RLIMIT_NOFILE, &r) == 0 ? (int64_t)r.rlim_cur : -1; }
static inline long clinuxnet_online_cpus(void) { return sysconf(_SC_NPROCESSORS_ONLN); }

// MARK: - Socket options (0 on success, -1 with errno)

static inline int clinuxnet_setsockopt_int(int fd, int level, int name, int value) { return setsockopt(fd, level, name, &value, sizeof(value)); }
static inline int clinuxnet_getsockopt_int(int fd, int level, int name, int *value) { socklen_t len = sizeof(*value); return getsockopt(fd, level, name, value, &len); }
static inline int clinuxnet_set_reuseaddr(int fd, int on) { return clinuxnet_setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, on); }
static inline int clinuxnet_set_reuseport(int fd, int on) { return clinuxnet_setsockopt_int(fd, SOL_SOCKET, SO_REUSEPORT, on); }
static inline int clinuxnet_set_ip_freebind(int fd, int on) { return clinuxnet_setsockopt_int(fd, IPPROTO_IP, IP_FREEBIND, on); }
static inline int clinuxnet_set_ip_transparent(int fd, int on) { return clinuxnet_setsockopt_int(fd, IPPROTO_IP, IP_TRANSPARENT, on); }
static inline int clinuxnet_set_ipv6_transparent(int fd, int on) { return clinuxnet_setsockopt_int(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, on); }
static inline int clinuxnet_set_ipv6_v6only(int fd, int on) { return clinuxnet_setsockopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, on); }
static inline int clinuxnet_set_ip_pktinfo(int fd, int on) { return clinuxnet_setsockopt_int(fd, IPPROTO_IP, IP_PKTINFO, on); }
static inline int clinuxnet_set_ipv6_recvpktinfo(int fd, int on) { return clinuxnet_setsockopt_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, on); }
/// Reads and clears SO_ERROR (the outcome of a non-blocking connect).
static inline int clinuxnet_get_so_error(int fd, int *error) { return clinuxnet_getsockopt_int(fd, SOL_SOCKET, SO_ERROR, error); }

// MARK: - Wrappers in CLinuxNet.c (need _GNU_SOURCE or <linux/tcp.h>)

/// `accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC)`.
int clinuxnet_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen);
/// `pipe2(fds, O_NONBLOCK | O_CLOEXEC)`.
int clinuxnet_pipe2(int fds[2]);
/// `fcntl(fd, F_SETPIPE_SZ, size)`: the new capacity in bytes, or -1.
int clinuxnet_set_pipe_size(int fd, int size);
/// `splice(in, NULL, out, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)`.
ssize_t clinuxnet_splice(int fd_in, int fd_out, size_t len);
int clinuxnet_set_tcp_nodelay(int fd, int on);
/// Names the calling thread (at most 15 bytes shown by ps/top).
int clinuxnet_set_thread_name(const char *name);

/// The peer of a Unix socket (SO_PEERCRED).
typedef struct { int32_t pid; uint32_t uid; uint32_t gid; } clinuxnet_peer_credentials;
int clinuxnet_get_peer_credentials(int fd, clinuxnet_peer_credentials *out);

/// The TCP_INFO fields the engines report (struct tcp_info of <linux/tcp.h>).
typedef struct {
    uint64_t bytes_acked;
    uint64_t bytes_received;
    uint32_t segs_in;
    uint32_t segs_out;
    uint32_t rtt_us;
    uint8_t state;
} clinuxnet_tcp_info;
int clinuxnet_get_tcp_info(int fd, clinuxnet_tcp_info *out);

/// Layout-identical to glibc's `struct mmsghdr`, which is hidden without _GNU_SOURCE.
typedef struct { struct msghdr msg_hdr; unsigned int msg_len; } clinuxnet_mmsghdr;
int clinuxnet_recvmmsg(int fd, clinuxnet_mmsghdr *vec, unsigned int vlen, int flags);
int clinuxnet_sendmmsg(int fd, clinuxnet_mmsghdr *vec, unsigned int vlen, int flags);

#include "CLinuxPacket.h"
// The real-server helper's TUN device, raw sockets and signalfd (lvs-realserver decap).
#include "CLinuxTun.h"
// VRRP's raw sockets, multicast membership and rtnetlink (LVSVRRPTransport).
#include "CLinuxVRRP.h"
// bpf(2) for the generated XDP program and its maps, and AF_XDP sockets (LVSPacketEngine).
#include "CLinuxXDP.h"
// capget/capset for the capabilities lvsd keeps after start-up (LVSDaemon).
#include "CLinuxCapability.h"

#endif
