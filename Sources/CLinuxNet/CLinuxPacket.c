// One-line wrappers for the packet engine (see CLinuxPacket.h).
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <linux/netlink.h>
#include "CLinuxNet.h"

_Static_assert(sizeof(clinuxpacket_bpf_insn) == sizeof(struct sock_filter), "sock_filter layout");

int clinuxpacket_socket(void) { return socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)); }
int clinuxpacket_set_v3(int fd) { int v = TPACKET_V3; return setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)); }
int clinuxpacket_set_v2(int fd) { int v = TPACKET_V2; return setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)); }
int clinuxpacket_copy_thresh(int fd) { int on = 1; return setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &on, sizeof(on)); }
int clinuxpacket_rx_ring_v2(int fd, unsigned int block_size, unsigned int block_count, unsigned int frame_size) {
    struct tpacket_req r = { .tp_block_size = block_size, .tp_block_nr = block_count, .tp_frame_size = frame_size,
        .tp_frame_nr = (block_size / frame_size) * block_count };
    return setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &r, sizeof(r));
}
int clinuxpacket_receive_buffer(int fd, int bytes) {
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0) return 0;
    return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}
int clinuxpacket_set_vnet_hdr(int fd) { int on = 1; return setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)); }
int clinuxpacket_set_reserve(int fd, unsigned int bytes) { return setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &bytes, sizeof(bytes)); }
int clinuxpacket_ignore_outgoing(int fd) { int on = 1; return setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on, sizeof(on)); }
int clinuxpacket_qdisc_bypass(int fd) { int on = 1; return setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof(on)); }

int clinuxpacket_rx_ring(int fd, unsigned int block_size, unsigned int block_count, unsigned int frame_size, unsigned int retire_ms) {
    struct tpacket_req3 r = { .tp_block_size = block_size, .tp_block_nr = block_count, .tp_frame_size = frame_size,
        .tp_frame_nr = (block_size / frame_size) * block_count, .tp_retire_blk_tov = retire_ms };
    return setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &r, sizeof(r));
}

void *clinuxpacket_mmap(int fd, size_t length) { void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0); return p == MAP_FAILED ? NULL : p; }
int clinuxpacket_munmap(void *address, size_t length) { return munmap(address, length); }

int clinuxpacket_bind(int fd, int ifindex) {
    struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex };
    return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

int clinuxpacket_fanout(int fd, uint16_t group, int mode) { int v = (int)group | (mode << 16); return setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &v, sizeof(v)); }

int clinuxpacket_fanout_program(int fd, const clinuxpacket_bpf_insn *program, unsigned short count) {
    struct sock_fprog p = { .len = count, .filter = (struct sock_filter *)program };
    return setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &p, sizeof(p));
}

int clinuxpacket_attach_filter(int fd, const clinuxpacket_bpf_insn *program, unsigned short count) {
    struct sock_fprog p = { .len = count, .filter = (struct sock_filter *)program };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof(p));
}

int clinuxpacket_interface_mac(int fd, const char *name, uint8_t *mac) {
    struct ifreq r; memset(&r, 0, sizeof(r)); strncpy(r.ifr_name, name, IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFHWADDR, &r);
    if (rc == 0) memcpy(mac, r.ifr_hwaddr.sa_data, 6);
    return rc;
}

int clinuxpacket_interface_mtu(int fd, const char *name) {
    struct ifreq r; memset(&r, 0, sizeof(r)); strncpy(r.ifr_name, name, IFNAMSIZ - 1);
    return ioctl(fd, SIOCGIFMTU, &r) == 0 ? r.ifr_mtu : -1;
}

int clinuxpacket_statistics(int fd, uint32_t *packets, uint32_t *drops) {
    struct tpacket_stats_v3 s; socklen_t len = sizeof(s);
    int rc = getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &s, &len);
    if (rc == 0) { *packets = s.tp_packets; *drops = s.tp_drops; }
    return rc;
}

int clinuxpacket_netfilter_socket(int receive_buffer) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
    if (fd < 0) return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof(receive_buffer)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    struct sockaddr_nl a = { .nl_family = AF_NETLINK };
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) { int saved = errno; close(fd); errno = saved; return -1; }
    return fd;
}
