#ifndef C_LINUX_XDP_H
#define C_LINUX_XDP_H
// Thin shim for the XDP / AF_XDP packet I/O (docs/design/0026-af-xdp.md): the bpf(2) commands
// the engine issues (map create/update/lookup/delete/next-key, program load with its verifier
// log, program test run, XDP link create), and the AF_XDP socket options and ring layout.
// Declarations, constants and one-line wrappers only (STYLE.md): the eBPF program is generated
// and the rings are walked in Swift.
#include <stdint.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_xdp.h>

static const uint32_t CLINUXXDP_MAP_HASH = BPF_MAP_TYPE_HASH;
static const uint32_t CLINUXXDP_MAP_PERCPU_ARRAY = BPF_MAP_TYPE_PERCPU_ARRAY;
static const uint32_t CLINUXXDP_MAP_XSKMAP = BPF_MAP_TYPE_XSKMAP;
static const uint64_t CLINUXXDP_UPDATE_ANY = BPF_ANY;
static const uint32_t CLINUXXDP_FLAGS_SKB_MODE = XDP_FLAGS_SKB_MODE;
static const uint32_t CLINUXXDP_FLAGS_DRV_MODE = XDP_FLAGS_DRV_MODE;
static const uint16_t CLINUXXDP_BIND_COPY = XDP_COPY;
static const uint16_t CLINUXXDP_BIND_ZEROCOPY = XDP_ZEROCOPY;
static const uint16_t CLINUXXDP_BIND_NEED_WAKEUP = XDP_USE_NEED_WAKEUP;
static const uint32_t CLINUXXDP_RING_NEED_WAKEUP = XDP_RING_NEED_WAKEUP;
static const uint64_t CLINUXXDP_PGOFF_RX = XDP_PGOFF_RX_RING;
static const uint64_t CLINUXXDP_PGOFF_TX = XDP_PGOFF_TX_RING;
static const uint64_t CLINUXXDP_PGOFF_FILL = XDP_UMEM_PGOFF_FILL_RING;
static const uint64_t CLINUXXDP_PGOFF_COMPLETION = XDP_UMEM_PGOFF_COMPLETION_RING;

/// One eBPF instruction's 8 bytes (`struct bpf_insn`), built in Swift.
typedef struct { uint8_t bytes[8]; } clinuxxdp_insn;
/// `struct xdp_desc`: a frame in the UMEM (address, length, options).
typedef struct xdp_desc clinuxxdp_desc;
/// `struct xdp_mmap_offsets`: where producer, consumer, flags and descriptors sit in each ring.
typedef struct xdp_mmap_offsets clinuxxdp_ring_offsets;
typedef struct xdp_statistics clinuxxdp_socket_statistics;

// MARK: - bpf(2) (each -1 with errno on failure; wrappers in CLinuxXDP.c)

/// BPF_MAP_CREATE; returns the map's fd.
int clinuxxdp_map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries, const char *name);
/// BPF_MAP_UPDATE_ELEM.
int clinuxxdp_map_update(int fd, const void *key, const void *value, uint64_t flags);
/// BPF_MAP_LOOKUP_ELEM (a per-CPU map fills one value per possible CPU).
int clinuxxdp_map_lookup(int fd, const void *key, void *value);
/// BPF_MAP_DELETE_ELEM.
int clinuxxdp_map_delete(int fd, const void *key);
/// BPF_MAP_GET_NEXT_KEY (`key` NULL: the first key); ENOENT after the last.
int clinuxxdp_map_next_key(int fd, const void *key, void *next_key);
/// BPF_PROG_LOAD of an XDP program; the verifier's log goes to `log` (NUL-terminated).
int clinuxxdp_prog_load(const clinuxxdp_insn *insns, uint32_t count, char *log, uint32_t log_size);
/// BPF_PROG_TEST_RUN (command 10): runs the program once over `data`; the result in `*retval`,
/// the frame after the program in `out` (`*out_size` in: capacity, out: length).
int clinuxxdp_prog_test_run(int fd, const void *data, uint32_t size, void *out, uint32_t *out_size, uint32_t *retval);
/// BPF_LINK_CREATE attaching an XDP program to `ifindex`: detached when the last fd closes
/// (so a crashed daemon leaves no program behind).
int clinuxxdp_link_create(int prog_fd, int ifindex, uint32_t flags);
/// Number of possible CPUs (the stride of per-CPU map values): /sys/devices/system/cpu/possible.
int clinuxxdp_possible_cpus(void);

// MARK: - AF_XDP sockets

/// `socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0)`.
int clinuxxdp_socket(void);
/// XDP_UMEM_REG: `length` bytes at `area`, frames of `frame_size`, `headroom` bytes reserved.
int clinuxxdp_umem_reg(int fd, void *area, uint64_t length, uint32_t frame_size, uint32_t headroom);
/// XDP_UMEM_FILL_RING / XDP_UMEM_COMPLETION_RING / XDP_RX_RING / XDP_TX_RING sizes (powers of two).
int clinuxxdp_ring_sizes(int fd, uint32_t fill, uint32_t completion, uint32_t rx, uint32_t tx);
/// XDP_MMAP_OFFSETS.
int clinuxxdp_mmap_offsets(int fd, clinuxxdp_ring_offsets *offsets);
/// bind with a `sockaddr_xdp` (interface, queue, XDP_COPY / XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP).
int clinuxxdp_bind(int fd, int ifindex, uint32_t queue, uint16_t flags);
/// 1 when the bound socket runs in zero-copy mode, 0 in copy mode (XDP_OPTIONS), -1 on error.
int clinuxxdp_is_zerocopy(int fd);
/// XDP_STATISTICS.
int clinuxxdp_statistics(int fd, clinuxxdp_socket_statistics *statistics);
/// The TX kick: `sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0)`.
int clinuxxdp_kick(int fd);
/// The RX/fill wake-up in need-wakeup mode: `recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL)`.
int clinuxxdp_wake(int fd);
/// Anonymous, page-aligned memory for a UMEM; NULL on failure.
void *clinuxxdp_alloc_umem(size_t length);
/// mmap of one ring at page offset `pgoff` (shared, populated); NULL on failure.
void *clinuxxdp_mmap_ring(int fd, size_t length, uint64_t pgoff);
/// Acquire load / release store of a ring's producer or consumer index (the kernel pairs them
/// with its own barriers, Documentation/networking/af_xdp.rst).
static inline uint32_t clinuxxdp_load_acquire(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void clinuxxdp_store_release(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

#endif
