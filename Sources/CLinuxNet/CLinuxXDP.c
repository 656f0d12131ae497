// One-line wrappers for the XDP / AF_XDP packet I/O (see CLinuxXDP.h): each fills the one
// `union bpf_attr` member its bpf(2) command reads, or one socket option.
#define _GNU_SOURCE
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "CLinuxNet.h"

_Static_assert(sizeof(clinuxxdp_insn) == sizeof(struct bpf_insn), "bpf_insn layout");

static long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

int clinuxxdp_map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries, const char *name) {
    union bpf_attr a; memset(&a, 0, sizeof(a));
    a.map_type = type; a.key_size = key_size; a.value_size = value_size; a.max_entries = max_entries;
    strncpy(a.map_name, name, sizeof(a.map_name) - 1);
    return (int)sys_bpf(BPF_MAP_CREATE, &a);
}
int clinuxxdp_map_update(int fd, const void *key, const void *value, uint64_t flags) {
    union bpf_attr a; memset(&a, 0, sizeof(a));
    a.map_fd = fd; a.key = (uint64_t)(uintptr_t)key; a.value = (uint64_t)(uintptr_t)value; a.flags = flags;
    return (int)sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
}
int clinuxxdp_map_lookup(int fd, const void *key, void *value) {
    union bpf_attr a; memset(&a, 0, sizeof(a));
    a.map_fd = fd; a.key = (uint64_t)(uintptr_t)key; a.value = (uint64_t)(uintptr_t)value;
    return (int)sys_bpf(BPF_MAP_LOOKUP_ELEM, &a);
}
int clinuxxdp_map_delete(int fd, const void *key) {
    union bpf_attr a; memset(&a, 0, sizeof(a));
    a.map_fd = fd; a.key = (uint64_t)(uintptr_t)key;
    return (int)sys_bpf(BPF_MAP_DELETE_ELEM, &a);
}
int clinuxxdp_map_next_key(int fd, const void *key, void *next_key) {
    union bpf_attr a; memset(&a, 0, sizeof(a));
    a.map_fd = fd; a.key = (uint64_t)(uintptr_t)key; a.next_key = (uint64_t)(uintptr_t)next_key;
    return (int)sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
}
int clinuxxdp_prog_load(const clinuxxdp_insn *insns, uint32_t count, char *log, uint32_t log_size) {
    union bpf_attr a; memset(&a, 0, sizeof(a));
    a.prog_type = BPF_PROG_TYPE_XDP; a.insns = (uint64_t)(uintptr_t)insns; a.insn_cnt = count;
    a.license = (uint64_t)(uintptr_t)"GPL"; a.log_buf = (uint64_t)(uintptr_t)log; a.log_size = log_size;
    a.log_level = log_size > 0 ? 1 : 0; strncpy(a.prog_name, "lvsd_xdp", sizeof(a.prog_name) - 1);
    return (int)sys_bpf(BPF_PROG_LOAD, &a);
}
int clinuxxdp_prog_test_run(int fd, const void *data, uint32_t size, void *out, uint32_t *out_size, uint32_t *retval) {
    union bpf_attr a; memset(&a, 0, sizeof(a));
    a.test.prog_fd = fd; a.test.data_in = (uint64_t)(uintptr_t)data; a.test.data_size_in = size;
    a.test.data_out = (uint64_t)(uintptr_t)out; a.test.data_size_out = *out_size; a.test.repeat = 1;
    int rc = (int)sys_bpf(BPF_PROG_TEST_RUN, &a);
    *out_size = a.test.data_size_out; *retval = a.test.retval;
    return rc;
}
int clinuxxdp_link_create(int prog_fd, int ifindex, uint32_t flags) {
    union bpf_attr a; memset(&a, 0, sizeof(a));
    a.link_create.prog_fd = prog_fd; a.link_create.target_ifindex = ifindex;
    a.link_create.attach_type = BPF_XDP; a.link_create.flags = flags;
    return (int)sys_bpf(BPF_LINK_CREATE, &a);
}
int clinuxxdp_possible_cpus(void) {
    FILE *f = fopen("/sys/devices/system/cpu/possible", "re"); int lo = 0, hi = -1;
    if (f == NULL) return -1;
    int n = fscanf(f, "%d-%d", &lo, &hi); fclose(f);
    return n == 2 ? hi + 1 : (n == 1 ? lo + 1 : -1);
}

int clinuxxdp_socket(void) { return socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0); }
int clinuxxdp_umem_reg(int fd, void *area, uint64_t length, uint32_t frame_size, uint32_t headroom) {
    struct xdp_umem_reg r; memset(&r, 0, sizeof(r));
    r.addr = (uint64_t)(uintptr_t)area; r.len = length; r.chunk_size = frame_size; r.headroom = headroom;
    return setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &r, sizeof(r));
}
int clinuxxdp_ring_sizes(int fd, uint32_t fill, uint32_t completion, uint32_t rx, uint32_t tx) {
    if (setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &fill, sizeof(fill)) != 0) return -1;
    if (setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &completion, sizeof(completion)) != 0) return -1;
    if (setsockopt(fd, SOL_XDP, XDP_RX_RING, &rx, sizeof(rx)) != 0) return -1;
    return setsockopt(fd, SOL_XDP, XDP_TX_RING, &tx, sizeof(tx));
}
int clinuxxdp_mmap_offsets(int fd, clinuxxdp_ring_offsets *offsets) {
    socklen_t len = sizeof(*offsets); return getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, offsets, &len);
}
int clinuxxdp_bind(int fd, int ifindex, uint32_t queue, uint16_t flags) {
    struct sockaddr_xdp s; memset(&s, 0, sizeof(s));
    s.sxdp_family = AF_XDP; s.sxdp_ifindex = (uint32_t)ifindex; s.sxdp_queue_id = queue; s.sxdp_flags = flags;
    return bind(fd, (struct sockaddr *)&s, sizeof(s));
}
int clinuxxdp_statistics(int fd, clinuxxdp_socket_statistics *statistics) {
    socklen_t len = sizeof(*statistics); return getsockopt(fd, SOL_XDP, XDP_STATISTICS, statistics, &len);
}
int clinuxxdp_kick(int fd) { return (int)sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0); }
int clinuxxdp_wake(int fd) { return (int)recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL); }
void *clinuxxdp_mmap_ring(int fd, size_t length, uint64_t pgoff) {
    void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, (off_t)pgoff);
    return p == MAP_FAILED ? NULL : p;
}
int clinuxxdp_is_zerocopy(int fd) {
    struct xdp_options o; socklen_t len = sizeof(o);
    if (getsockopt(fd, SOL_XDP, XDP_OPTIONS, &o, &len) != 0) return -1;
    return (o.flags & XDP_OPTIONS_ZEROCOPY) ? 1 : 0;
}
void *clinuxxdp_alloc_umem(size_t length) {
    void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
