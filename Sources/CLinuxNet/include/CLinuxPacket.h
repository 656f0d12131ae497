#ifndef C_LINUX_PACKET_H
#define C_LINUX_PACKET_H
// Thin shim for the packet engine: AF_PACKET sockets with TPACKET_V3 receive rings, fanout,
// classic BPF filters and the interface facts the engine needs (index, MAC, MTU). Declarations,
// constants and one-line accessors only (STYLE.md); the ring walking logic lives in Swift.
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/filter.h>

static const int CLINUXPACKET_PACKET_HOST = PACKET_HOST;
static const int CLINUXPACKET_PACKET_OUTGOING = PACKET_OUTGOING;
static const int CLINUXPACKET_FANOUT_HASH = PACKET_FANOUT_HASH;
static const int CLINUXPACKET_FANOUT_CPU = PACKET_FANOUT_CPU;
static const int CLINUXPACKET_FANOUT_CBPF = PACKET_FANOUT_CBPF;
static const uint32_t CLINUXPACKET_TP_STATUS_USER = TP_STATUS_USER;
static const uint32_t CLINUXPACKET_TP_STATUS_KERNEL = TP_STATUS_KERNEL;
static const uint32_t CLINUXPACKET_TP_STATUS_CSUMNOTREADY = TP_STATUS_CSUMNOTREADY;
static const uint32_t CLINUXPACKET_TP_STATUS_COPY = TP_STATUS_COPY;

/// One classic BPF instruction (`struct sock_filter`), for building programs in Swift.
typedef struct { uint16_t code; uint8_t jt; uint8_t jf; uint32_t k; } clinuxpacket_bpf_insn;

// MARK: - Socket set-up (each 0 or an fd on success, -1 with errno; wrappers in CLinuxPacket.c)

/// `socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL))`.
int clinuxpacket_socket(void);
/// PACKET_VERSION = TPACKET_V3.
int clinuxpacket_set_v3(int fd);
/// PACKET_VNET_HDR: a 10-byte struct virtio_net_hdr (offload metadata: partial checksum,
/// segmentation) in front of every received frame and expected in front of every sent one.
/// Must be set before the ring.
int clinuxpacket_set_vnet_hdr(int fd);
/// PACKET_VERSION = TPACKET_V2 (one status word per frame: the kernel wakes the reader per frame).
int clinuxpacket_set_v2(int fd);
/// PACKET_RX_RING with a `tpacket_req` (TPACKET_V2: fixed-size frames in blocks).
int clinuxpacket_rx_ring_v2(int fd, unsigned int block_size, unsigned int block_count, unsigned int frame_size);
/// PACKET_COPY_THRESH: a frame larger than a ring slot is also queued whole on the socket
/// (the slot says TP_STATUS_COPY; recvmsg returns it).
int clinuxpacket_copy_thresh(int fd);
/// SO_RCVBUFFORCE (CAP_NET_ADMIN), else SO_RCVBUF: room for the whole frames PACKET_COPY_THRESH queues.
int clinuxpacket_receive_buffer(int fd, int bytes);
/// PACKET_RESERVE: bytes of headroom the kernel leaves in front of each frame's MAC header.
int clinuxpacket_set_reserve(int fd, unsigned int bytes);
/// PACKET_IGNORE_OUTGOING: do not loop frames this host transmits back into the ring.
int clinuxpacket_ignore_outgoing(int fd);
/// PACKET_QDISC_BYPASS: transmit straight to the driver.
int clinuxpacket_qdisc_bypass(int fd);
/// PACKET_RX_RING with a `tpacket_req3` (block size/count, frame size hint, retire timeout ms).
int clinuxpacket_rx_ring(int fd, unsigned int block_size, unsigned int block_count, unsigned int frame_size, unsigned int retire_ms);
/// mmap of the ring (read/write, shared, MAP_LOCKED is not asked for); NULL on failure.
void *clinuxpacket_mmap(int fd, size_t length);
int clinuxpacket_munmap(void *address, size_t length);
/// bind to interface `ifindex` for every protocol.
int clinuxpacket_bind(int fd, int ifindex);
/// PACKET_FANOUT with group id and mode (FANOUT_HASH, …).
int clinuxpacket_fanout(int fd, uint16_t group, int mode);
/// PACKET_FANOUT_DATA: the classic BPF program of the socket's PACKET_FANOUT_CBPF group (its
/// return value modulo the group's size picks the member); replaces an earlier one.
int clinuxpacket_fanout_program(int fd, const clinuxpacket_bpf_insn *program, unsigned short count);
/// SO_ATTACH_FILTER with `count` instructions; SO_LOCK_FILTER is not set (the engine replaces it).
int clinuxpacket_attach_filter(int fd, const clinuxpacket_bpf_insn *program, unsigned short count);
/// The interface's hardware address (SIOCGIFHWADDR) into `mac[6]`.
int clinuxpacket_interface_mac(int fd, const char *name, uint8_t *mac);
/// The interface's MTU (SIOCGIFMTU), or -1.
int clinuxpacket_interface_mtu(int fd, const char *name);
/// PACKET_STATISTICS (tpacket_stats_v3): packets and drops since the last call.
int clinuxpacket_statistics(int fd, uint32_t *packets, uint32_t *drops);

// MARK: - Ring accessors (struct tpacket_block_desc / struct tpacket3_hdr)

static inline uint32_t clinuxpacket_block_status(const void *block) { return __atomic_load_n(&((const struct tpacket_block_desc *)block)->hdr.bh1.block_status, __ATOMIC_ACQUIRE); }
static inline void clinuxpacket_block_release(void *block) { __atomic_store_n(&((struct tpacket_block_desc *)block)->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE); }
static inline uint32_t clinuxpacket_block_packets(const void *block) { return ((const struct tpacket_block_desc *)block)->hdr.bh1.num_pkts; }
static inline uint32_t clinuxpacket_block_first(const void *block) { return ((const struct tpacket_block_desc *)block)->hdr.bh1.offset_to_first_pkt; }
static inline uint32_t clinuxpacket_frame_next(const void *frame) { return ((const struct tpacket3_hdr *)frame)->tp_next_offset; }
static inline uint32_t clinuxpacket_frame_snaplen(const void *frame) { return ((const struct tpacket3_hdr *)frame)->tp_snaplen; }
static inline uint32_t clinuxpacket_frame_len(const void *frame) { return ((const struct tpacket3_hdr *)frame)->tp_len; }
static inline uint16_t clinuxpacket_frame_mac(const void *frame) { return ((const struct tpacket3_hdr *)frame)->tp_mac; }
static inline uint32_t clinuxpacket_frame_status(const void *frame) { return ((const struct tpacket3_hdr *)frame)->tp_status; }
/// The sockaddr_ll that follows the aligned header: its packet type (PACKET_HOST, PACKET_OUTGOING…).
static inline uint8_t clinuxpacket_frame_pkttype(const void *frame) { return ((const struct sockaddr_ll *)((const uint8_t *)frame + TPACKET_ALIGN(sizeof(struct tpacket3_hdr))))->sll_pkttype; }
/// Bytes between the start of a frame and the end of its sockaddr_ll (the reserve starts there).
static inline size_t clinuxpacket_frame_header_length(void) { return TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + sizeof(struct sockaddr_ll); }

// MARK: - TPACKET_V2 frame accessors (struct tpacket2_hdr)

static inline uint32_t clinuxpacket_v2_status(const void *frame) { return __atomic_load_n(&((const struct tpacket2_hdr *)frame)->tp_status, __ATOMIC_ACQUIRE); }
static inline void clinuxpacket_v2_release(void *frame) { __atomic_store_n(&((struct tpacket2_hdr *)frame)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE); }
static inline uint32_t clinuxpacket_v2_len(const void *frame) { return ((const struct tpacket2_hdr *)frame)->tp_len; }
static inline uint32_t clinuxpacket_v2_snaplen(const void *frame) { return ((const struct tpacket2_hdr *)frame)->tp_snaplen; }
static inline uint16_t clinuxpacket_v2_mac(const void *frame) { return ((const struct tpacket2_hdr *)frame)->tp_mac; }
static inline uint8_t clinuxpacket_v2_pkttype(const void *frame) { return ((const struct sockaddr_ll *)((const uint8_t *)frame + TPACKET_ALIGN(sizeof(struct tpacket2_hdr))))->sll_pkttype; }
static inline size_t clinuxpacket_v2_header_length(void) { return TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) + sizeof(struct sockaddr_ll); }

/// `socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER)` bound to an
/// address the kernel picks, with a receive buffer of `receive_buffer` bytes (SO_RCVBUFFORCE,
/// falling back to SO_RCVBUF); -1 with errno on failure.
int clinuxpacket_netfilter_socket(int receive_buffer);

#endif
