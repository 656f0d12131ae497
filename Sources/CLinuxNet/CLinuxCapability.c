// capget/capset over the raw system calls, and their application to every thread of the
// process. Linux keeps capabilities per thread and capset(2) changes only the caller's, so a
// process that already runs threads (lvsd after start-up) must have each thread call it; the
// only way into another thread is a signal, and the handler has to be C (an async-signal-safe
// raw system call). This is the one piece of logic in the shim, kept as small as it can be.
//
// The signal is SIGSYS: libdispatch and Swift concurrency threads (and every thread they
// create, NIO's and the reactors' among them) block every signal but the synchronous fault
// signals (ILL, TRAP, BUS, FPE, SEGV, SYS) and glibc's internal two, so a real-time signal never
// reaches them. Of the fault signals SIGSYS is the one nothing in lvsd raises (it has no seccomp
// filter); its previous action is restored at once.
#define _GNU_SOURCE
#include "CLinuxCapability.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>

static int cap_get_tid(pid_t tid, uint64_t *effective, uint64_t *permitted, uint64_t *inheritable) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, tid};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    *effective = (uint64_t)data[1].effective << 32 | data[0].effective;
    *permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
    *inheritable = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
    return 0;
}

int clinuxcap_get(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable) {
    return cap_get_tid(0, effective, permitted, inheritable);
}

int clinuxcap_set(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {
        {(uint32_t)effective, (uint32_t)permitted, (uint32_t)inheritable},
        {(uint32_t)(effective >> 32), (uint32_t)(permitted >> 32), (uint32_t)(inheritable >> 32)},
    };
    return (int)syscall(SYS_capset, &header, data);
}

static uint64_t wanted[3];
static atomic_int applied;

static void apply_on_signal(int signal) {
    (void)signal;
    int saved = errno;
    clinuxcap_set(wanted[0], wanted[1], wanted[2]);
    atomic_fetch_add(&applied, 1);
    errno = saved;
}

// One pass: signals every thread (but the caller) whose sets differ, waits at most 1 s for
// them; returns how many still differ after the wait (0: done).
static int signal_pass(int signal, pid_t self) {
    DIR *tasks = opendir("/proc/self/task");
    if (!tasks) return -1;
    int sent = 0;
    atomic_store(&applied, 0);
    struct dirent *entry;
    while ((entry = readdir(tasks)) != NULL) {
        pid_t tid = (pid_t)atoi(entry->d_name);
        uint64_t e, p, i;
        if (tid <= 0 || tid == self || cap_get_tid(tid, &e, &p, &i) != 0) continue;
        if (e == wanted[0] && p == wanted[1] && i == wanted[2]) continue;
        if (syscall(SYS_tgkill, getpid(), tid, signal) == 0) sent++;
    }
    closedir(tasks);
    struct timespec pause = {0, 1000000};
    for (int waited = 0; waited < 1000 && atomic_load(&applied) < sent; waited++) nanosleep(&pause, NULL);
    return sent - atomic_load(&applied);
}

int clinuxcap_set_all_threads(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    wanted[0] = effective;
    wanted[1] = permitted;
    wanted[2] = inheritable;
    int signal = SIGSYS;
    struct sigaction action, previous;
    memset(&action, 0, sizeof(action));
    action.sa_handler = apply_on_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(signal, &action, &previous) != 0) return -1;
    pid_t self = (pid_t)syscall(SYS_gettid);
    int left = 1;
    // Threads started during a pass inherit whatever their creator had: a few passes settle it.
    for (int pass = 0; pass < 4 && left != 0; pass++) left = signal_pass(signal, self);
    sigaction(signal, &previous, NULL);
    if (clinuxcap_set(effective, permitted, inheritable) != 0) return -1;
    if (left != 0) {
        errno = EAGAIN;
        return -1;
    }
    return 0;
}
