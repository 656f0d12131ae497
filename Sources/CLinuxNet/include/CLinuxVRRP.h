#ifndef C_LINUX_VRRP_H
#define C_LINUX_VRRP_H
// Thin shim for VRRP's I/O (LVSVRRPTransport): raw IP sockets with ancillary data, multicast
// membership, AF_PACKET transmission of whole frames and rtnetlink sockets. Declarations,
// constants and one-line wrappers only (STYLE.md); message building and parsing live in Swift.
// Bodies that need _GNU_SOURCE (struct in_pktinfo, in6_pktinfo) are in CLinuxVRRP.c.
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>

// MARK: - IP socket options (Swift imports some of these awkwardly or not at all).

static const int CLINUXVRRP_IP_HDRINCL = IP_HDRINCL;
static const int CLINUXVRRP_IP_PKTINFO = IP_PKTINFO;
static const int CLINUXVRRP_IP_RECVTTL = IP_RECVTTL;
static const int CLINUXVRRP_IP_TTL = IP_TTL;
static const int CLINUXVRRP_IP_MULTICAST_LOOP = IP_MULTICAST_LOOP;
static const int CLINUXVRRP_IP_MULTICAST_ALL = IP_MULTICAST_ALL;
static const int CLINUXVRRP_IPV6_UNICAST_HOPS = IPV6_UNICAST_HOPS;
static const int CLINUXVRRP_IPV6_MULTICAST_HOPS = IPV6_MULTICAST_HOPS;
static const int CLINUXVRRP_IPV6_MULTICAST_LOOP = IPV6_MULTICAST_LOOP;
static const int CLINUXVRRP_IPV6_MULTICAST_ALL = 29; // IPV6_MULTICAST_ALL (<linux/in6.h>), absent from older glibc
static const int CLINUXVRRP_IPV6_RECVHOPLIMIT = IPV6_RECVHOPLIMIT;
static const int CLINUXVRRP_IPV6_HOPLIMIT = IPV6_HOPLIMIT;
static const int CLINUXVRRP_IPV6_RECVPKTINFO = IPV6_RECVPKTINFO;
static const int CLINUXVRRP_IPV6_PKTINFO = IPV6_PKTINFO;
static const int CLINUXVRRP_IPV6_TCLASS = IPV6_TCLASS;

/// Layout-identical to `struct in_pktinfo` (hidden without _GNU_SOURCE): addresses in network order.
typedef struct { int ifindex; uint32_t local; uint32_t destination; } clinuxvrrp_in_pktinfo;
/// Layout-identical to `struct in6_pktinfo` (hidden without _GNU_SOURCE).
typedef struct { uint8_t address[16]; uint32_t ifindex; } clinuxvrrp_in6_pktinfo;

// MARK: - rtnetlink attribute numbers (anonymous enums in <linux/if_addr.h> and <linux/if_link.h>)

static const uint16_t CLINUXVRRP_IFA_ADDRESS = IFA_ADDRESS;
static const uint16_t CLINUXVRRP_IFA_LOCAL = IFA_LOCAL;
static const uint16_t CLINUXVRRP_IFA_LABEL = IFA_LABEL;
static const uint16_t CLINUXVRRP_IFA_BROADCAST = IFA_BROADCAST;
static const uint16_t CLINUXVRRP_IFA_FLAGS = IFA_FLAGS;
static const uint32_t CLINUXVRRP_IFA_F_NODAD = IFA_F_NODAD;
static const uint32_t CLINUXVRRP_IFA_F_TENTATIVE = IFA_F_TENTATIVE;
static const uint16_t CLINUXVRRP_IFLA_ADDRESS = IFLA_ADDRESS;
static const uint16_t CLINUXVRRP_IFLA_IFNAME = IFLA_IFNAME;
static const uint16_t CLINUXVRRP_IFLA_LINK = IFLA_LINK;
static const uint16_t CLINUXVRRP_IFLA_OPERSTATE = IFLA_OPERSTATE;
static const uint16_t CLINUXVRRP_IFLA_LINKINFO = IFLA_LINKINFO;
static const uint16_t CLINUXVRRP_IFLA_INFO_KIND = IFLA_INFO_KIND;
static const uint16_t CLINUXVRRP_IFLA_INFO_DATA = IFLA_INFO_DATA;
static const uint16_t CLINUXVRRP_IFLA_MACVLAN_MODE = IFLA_MACVLAN_MODE;
static const uint32_t CLINUXVRRP_MACVLAN_MODE_PRIVATE = MACVLAN_MODE_PRIVATE;
/// IF_OPER_UP of <linux/if.h> (RFC 2863 operStatus "up").
static const uint8_t CLINUXVRRP_IF_OPER_UP = 6;
/// IFF_UP, IFF_RUNNING, IFF_LOWER_UP (<linux/if.h>, which cannot be included beside <net/if.h>).
static const uint32_t CLINUXVRRP_IFF_UP = 0x1;
static const uint32_t CLINUXVRRP_IFF_RUNNING = 0x40;
static const uint32_t CLINUXVRRP_IFF_LOWER_UP = 0x10000;

// MARK: - Ancillary data (the CMSG_* macros do not import into Swift)

static inline size_t clinuxvrrp_cmsg_space(size_t length) { return CMSG_SPACE(length); }
static inline size_t clinuxvrrp_cmsg_len(size_t length) { return CMSG_LEN(length); }
static inline struct cmsghdr *clinuxvrrp_cmsg_first(struct msghdr *message) { return CMSG_FIRSTHDR(message); }
static inline struct cmsghdr *clinuxvrrp_cmsg_next(struct msghdr *message, struct cmsghdr *header) { return CMSG_NXTHDR(message, header); }
static inline unsigned char *clinuxvrrp_cmsg_data(struct cmsghdr *header) { return CMSG_DATA(header); }

// MARK: - Wrappers in CLinuxVRRP.c (0 or an fd on success, -1 with errno)

/// SO_BINDTODEVICE to the interface called `name`.
int clinuxvrrp_bind_to_device(int fd, const char *name);
/// IP_ADD_MEMBERSHIP (struct ip_mreqn) for `group` (network order) on interface `ifindex`.
int clinuxvrrp_join_ipv4(int fd, uint32_t group, int ifindex);
/// IP_MULTICAST_IF (struct ip_mreqn) naming interface `ifindex`.
int clinuxvrrp_multicast_interface_ipv4(int fd, int ifindex);
/// IPV6_ADD_MEMBERSHIP (struct ipv6_mreq) for `group[16]` on interface `ifindex`.
int clinuxvrrp_join_ipv6(int fd, const uint8_t *group, int ifindex);
/// IPV6_MULTICAST_IF naming interface `ifindex`.
int clinuxvrrp_multicast_interface_ipv6(int fd, int ifindex);
/// `socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)`: transmit only (protocol 0
/// receives nothing).
int clinuxvrrp_packet_send_socket(void);
/// `sendto` of a whole Ethernet frame on interface `ifindex` (struct sockaddr_ll; `protocol` is
/// the EtherType in host order).
ssize_t clinuxvrrp_packet_send(int fd, int ifindex, uint16_t protocol, const void *frame, size_t length);
/// `socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC [| SOCK_NONBLOCK], NETLINK_ROUTE)` bound with
/// the multicast `groups` bit mask (0: requests only).
int clinuxvrrp_route_netlink_socket(uint32_t groups, int nonblocking);

#endif
