// One-line wrappers for VRRP's I/O (see CLinuxVRRP.h).
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include "CLinuxVRRP.h"

_Static_assert(sizeof(clinuxvrrp_in_pktinfo) == sizeof(struct in_pktinfo), "in_pktinfo layout");
_Static_assert(sizeof(clinuxvrrp_in6_pktinfo) == sizeof(struct in6_pktinfo), "in6_pktinfo layout");

int clinuxvrrp_bind_to_device(int fd, const char *name) { return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name) + 1); }

int clinuxvrrp_join_ipv4(int fd, uint32_t group, int ifindex) {
    struct ip_mreqn m = { .imr_multiaddr = { .s_addr = group }, .imr_ifindex = ifindex };
    return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m));
}

int clinuxvrrp_multicast_interface_ipv4(int fd, int ifindex) {
    struct ip_mreqn m = { .imr_ifindex = ifindex };
    return setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m));
}

int clinuxvrrp_join_ipv6(int fd, const uint8_t *group, int ifindex) {
    struct ipv6_mreq m = { .ipv6mr_interface = (unsigned int)ifindex };
    memcpy(&m.ipv6mr_multiaddr, group, 16);
    return setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, sizeof(m));
}

int clinuxvrrp_multicast_interface_ipv6(int fd, int ifindex) { return setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)); }

int clinuxvrrp_packet_send_socket(void) { return socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

ssize_t clinuxvrrp_packet_send(int fd, int ifindex, uint16_t protocol, const void *frame, size_t length) {
    struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(protocol), .sll_ifindex = ifindex };
    return sendto(fd, frame, length, 0, (const struct sockaddr *)&a, sizeof(a));
}

int clinuxvrrp_route_netlink_socket(uint32_t groups, int nonblocking) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), NETLINK_ROUTE);
    if (fd < 0) return -1;
    struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = groups };
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) { int saved = errno; close(fd); errno = saved; return -1; }
    return fd;
}
