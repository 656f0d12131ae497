#ifndef C_LINUX_TUN_H
#define C_LINUX_TUN_H
// Thin wrappers for the real-server helper's user-space decapsulator (lvs-realserver decap):
// a TUN device, raw IP sockets, a signalfd for SIGINT/SIGTERM, and setns for tests that open
// sockets inside a network namespace. Declarations and one-line wrappers only; the bodies that
// need <linux/if_tun.h>, <net/if.h> or _GNU_SOURCE live in CLinuxTun.c.
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/// Opens /dev/net/tun and attaches a TUN device (IFF_TUN | IFF_NO_PI: bare IP packets, no
/// packet-information prefix) named `name`, created if absent. Writes the kernel's name for it
/// (at most 15 bytes + NUL) into `actual_name` (16 bytes). Returns the non-blocking,
/// close-on-exec fd, or -1 with errno. The device disappears when the fd is closed.
int clinuxtun_open(const char *name, char *actual_name);
/// Sets IFF_UP on interface `name` (SIOCSIFFLAGS on a throw-away socket). 0 or -1 with errno.
int clinuxtun_set_up(const char *name);
/// The interface index of `name`, or 0 when there is none.
unsigned int clinuxtun_if_index(const char *name);
/// A non-blocking, close-on-exec raw socket of `family` (AF_INET / AF_INET6) for `protocol`.
int clinuxtun_raw_socket(int family, int protocol);
/// A non-blocking, close-on-exec AF_PACKET datagram socket (L2 header removed) for IPv4 and
/// IPv6 frames (ETH_P_ALL), bound to interface `if_index` (0: all interfaces).
int clinuxtun_packet_socket(unsigned int if_index);
/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (threads created later inherit the
/// mask) and returns a non-blocking signalfd that reports them, or -1 with errno.
int clinuxtun_stop_signalfd(void);
/// Reads one pending signal from a signalfd: its number, 0 when none is pending, -1 on error.
int clinuxtun_read_signal(int fd);
/// `setns(fd, CLONE_NEWNET)`: moves the calling thread into the network namespace `fd` names.
int clinuxtun_setns_net(int fd);
/// The effective user id (root check before privileged work).
static inline uint32_t clinuxtun_geteuid(void) { return (uint32_t)geteuid(); }

#endif
