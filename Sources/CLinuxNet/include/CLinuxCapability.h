#ifndef C_LINUX_CAPABILITY_H
#define C_LINUX_CAPABILITY_H
// capget(2)/capset(2) for lvsd's privilege drop (docs/design/0032-crash-restart-and-privileges.md).
// One-line wrappers over the raw system calls (glibc has no wrapper, libcap is not a
// dependency); each set is a 64-bit mask of capability numbers (linux/capability.h), as
// _LINUX_CAPABILITY_VERSION_3 splits it into two 32-bit words.
#include <stdint.h>

/// The calling thread's effective, permitted and inheritable sets; 0, or -1 with errno.
int clinuxcap_get(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);

/// Sets the calling thread's three sets; 0, or -1 with errno (EPERM when a set would grow).
int clinuxcap_set(uint64_t effective, uint64_t permitted, uint64_t inheritable);

/// Sets the three sets of every thread of the process (capset works per thread): signals
/// each other thread to apply them. 0, or -1 with errno.
int clinuxcap_set_all_threads(uint64_t effective, uint64_t permitted, uint64_t inheritable);

#endif
