import LVSConfig
import LVSCore
import LVSPacket
import LVSVRRP
import LVSVRRPTransport

/// Everything the VRRP driver needs to run a configuration's `vrrp_instance`s, sync groups and
/// `vrrp_script`s, with keepalived's defaults applied (the `effective…` values of LVSConfig and
/// the `global_defs` ones). Built once per start or reload; compared to decide what a reload
/// changes.
struct VRRPPlan: Sendable, Hashable {
    struct Instance: Sendable, Hashable {
        var machine: VRRPInstanceConfiguration
        var expectations: VRRPReceiveExpectations
        var interface: String
        /// Where adverts go: the group, or each unicast peer.
        var socket: VRRPSocketConfiguration
        /// `virtual_ipaddress` and `virtual_ipaddress_excluded`, each with its interface.
        var addresses: [Address]
        var notify: VRRPNotifyScripts
        /// `use_vmac`: adverts, addresses and announcements go through this macvlan.
        var virtualMAC: VirtualMAC?

        /// The advert's source address (also the tie-breaker, RFC 5798 §6.4.3).
        var source: IPAddress { machine.primaryAddress }
        /// `v3_checksum_as_v2`, for sending as for receiving.
        var v3ChecksumAsV2: Bool { expectations.v3ChecksumAsV2 }
    }

    /// `use_vmac [NAME]`: a macvlan on the instance's interface with the VRRP MAC.
    struct VirtualMAC: Sendable, Hashable {
        var name: String
        var mac: MACAddress
        /// `vmac_xmit_base`: adverts leave by the base interface.
        var transmitBase: Bool
    }

    /// One virtual address as `ip address add` would take it.
    struct Address: Sendable, Hashable {
        var address: IPAddress
        var prefixLength: Int
        var device: String
        var label: String?
        var broadcast: IPAddress?
        var scope: AddressScope
    }

    struct Script: Sendable, Hashable {
        var tracker: VRRPScriptTracker.Configuration
        var command: ScriptCommand
    }

    struct Group: Sendable, Hashable {
        var machine: VRRPSyncGroupConfiguration
        var notify: VRRPNotifyScripts
    }

    var instances: [Instance]
    var groups: [Group]
    var scripts: [Script]
    /// `notify_fifo` / `vrrp_notify_fifo` and the script that reads it.
    var notifyFifo: String?
    var notifyFifoScript: ScriptCommand?
    /// `script_user`: who runs scripts that name no user.
    var scriptUser: ScriptCommand?

    var isEmpty: Bool { instances.isEmpty }

    /// Every virtual address of every instance: the addresses VRRP moves.
    var managedAddresses: Set<IPAddress> { Set(instances.flatMap { $0.addresses.map(\.address) }) }

    /// Interfaces the instances use (for choosing the packet engine's).
    var interfaces: [String] {
        var names: [String] = []
        for instance in instances where !names.contains(instance.interface) { names.append(instance.interface) }
        return names
    }
}

/// The interface facts a plan needs, from the system (or a test).
protocol VRRPInterfaceFacts {
    /// The interface's addresses, IPv4 first as the kernel lists them; nil when it does not exist.
    func addresses(of interface: String) -> [IPAddress]?
}

/// Why a VRRP configuration cannot run on this system.
struct VRRPPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    var message: String
    var description: String { message }
}
