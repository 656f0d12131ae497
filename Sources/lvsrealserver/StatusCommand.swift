import ArgumentParser

/// `lvs-realserver status`: what is in place and what is missing for the method, with the
/// command that fixes each missing item. Exits 1 when something is missing. Needs no root.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what is in place and what is missing, with the fix for each.")

    @OptionGroup var options: SetupOptions

    @Option(help: "The TUN device `decap` uses (checked for --method tun on kernels without ipip).")
    var device: String = DecapCommand.defaultDevice

    /// One line of the report.
    struct Finding: Equatable {
        var ok: Bool
        var what: String
        var fix: String?

        var line: String { ok ? "ok       \(what)" : "MISSING  \(what)\n         fix: \(fix ?? "-")" }
    }

    func validate() throws { try options.validateInterfaces() }

    func run() throws {
        var vips = options.vips
        if vips.isEmpty, let state = try? StateFile.load(from: options.stateFile) {
            vips = state.addresses.map(\.vip)
        }
        if vips.isEmpty { print("note: no --vip given and none recorded in \(options.stateFile)") }
        let plan = SetupPlan(
            vips: vips, method: options.method, interfaces: options.interfaces,
            kernelHasIPIP: SystemAccess.kernelHasIPIP)
        let findings = try Self.findings(plan: plan, method: options.method, decapDevice: device)
        for finding in findings { print(finding.line) }
        if findings.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }

    static func findings(plan: SetupPlan, method: ForwardingMethod, decapDevice: String) throws(HelperError)
        -> [Finding]
    {
        var findings: [Finding] = []
        let present = try SystemAccess.addresses(on: SetupPlan.vipDevice)
        for vip in plan.vips {
            findings.append(
                Finding(
                    ok: present.contains(vip.address), what: "\(vip.cidr) on \(SetupPlan.vipDevice)",
                    fix: SetupStep.addAddress(vip, device: SetupPlan.vipDevice).description))
        }
        for device in plan.devicesUp {
            findings.append(
                Finding(
                    ok: SystemAccess.deviceIsUp(device), what: "\(device) up (kernel IP-IP decapsulation)",
                    fix: SetupStep.bringUp(device: device).description))
        }
        for requirement in plan.requirements {
            let current = SystemAccess.read(requirement.sysctl)
            findings.append(
                Finding(
                    ok: current == requirement.value,
                    what: "\(requirement.sysctl.name) = \(current ?? "absent") (needs \(requirement.value): "
                        + "\(requirement.reason))",
                    fix: SetupStep.setSysctl(requirement.sysctl, value: requirement.value).description))
        }
        if method == .tun && plan.devicesUp.isEmpty {
            let vips = plan.vips.map { "--vip \($0)" }.joined(separator: " ")
            findings.append(
                Finding(
                    ok: SystemAccess.deviceExists(decapDevice),
                    what: "user-space decapsulator on \(decapDevice) (this kernel has no ipip module)",
                    fix: "lvs-realserver decap --device \(decapDevice) \(vips)"))
        }
        return findings
    }
}
