#ifndef C_LINUX_NET_H
#define C_LINUX_NET_H
// Thin shim over Linux networking calls for the reactor and engines. Declarations and
// one-line wrappers only: no logic lives here (STYLE.md, "C only in a thin shim target").
#include <stdint.h>
#endif
