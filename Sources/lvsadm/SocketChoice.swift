import LVSControl

/// Where `lvsadm` looks for `lvsd`: `--control-socket PATH` (our option, removed before the
/// ipvsadm parser sees the arguments), else `$LVSD_SOCKET`, else the daemon's own default
/// (`/run/lvsd.sock` for root, `$XDG_RUNTIME_DIR/lvsd.sock` otherwise).
struct SocketChoice: Equatable {
    /// From `--control-socket`, if given.
    var explicitPath: String?
    /// The arguments for the ipvsadm parser.
    var remainingArguments: [String]

    static let optionName = "--control-socket"

    /// Takes `--control-socket PATH` or `--control-socket=PATH` out of `arguments` (anywhere,
    /// since ipvsadm's own rule that the command comes first must still hold for the rest).
    static func extract(from arguments: [String]) -> Result<SocketChoice, ChoiceError> {
        var remaining: [String] = []
        var path: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == optionName {
                guard index + 1 < arguments.count, !arguments[index + 1].isEmpty else {
                    return .failure(ChoiceError(message: "lvsadm: \(optionName) needs a path"))
                }
                guard path == nil else {
                    return .failure(ChoiceError(message: "lvsadm: multiple '\(optionName)' options specified"))
                }
                path = arguments[index + 1]
                index += 2
                continue
            }
            if argument.hasPrefix(optionName + "=") {
                let value = String(argument.dropFirst(optionName.count + 1))
                guard !value.isEmpty else {
                    return .failure(ChoiceError(message: "lvsadm: \(optionName) needs a path"))
                }
                guard path == nil else {
                    return .failure(ChoiceError(message: "lvsadm: multiple '\(optionName)' options specified"))
                }
                path = value
                index += 1
                continue
            }
            remaining.append(argument)
            index += 1
        }
        return .success(SocketChoice(explicitPath: path, remainingArguments: remaining))
    }

    /// A malformed `--control-socket`.
    struct ChoiceError: Error, Equatable {
        var message: String
    }

    /// The socket path to use.
    func path(
        environment: (String) -> String?,
        defaultPath: () -> Result<String, ControlSocketLocation.MissingDefault> = ControlSocketLocation
            .defaultPathForCurrentProcess
    ) -> Result<String, ControlSocketLocation.MissingDefault> {
        if let explicitPath { return .success(explicitPath) }
        if let fromEnvironment = environment("LVSD_SOCKET"), !fromEnvironment.isEmpty {
            return .success(fromEnvironment)
        }
        return defaultPath()
    }
}
