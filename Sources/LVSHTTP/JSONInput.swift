import Foundation

/// A request body as parsed JSON, kept exact: integers stay integers (a weight of 1.5 is an
/// error, not 1) and booleans stay booleans.
indirect enum JSONInput: Decodable, Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case fraction(Double)
    case string(String)
    case array([JSONInput])
    case object([String: JSONInput])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .fraction(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONInput].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONInput].self))
        }
    }

    /// The body as a JSON object; a `RESTError` (400) for anything else.
    static func object(from bytes: [UInt8]) throws(RESTError) -> [String: JSONInput] {
        guard !bytes.isEmpty else { throw .badRequest("the request needs a JSON object body") }
        let value: JSONInput
        do {
            value = try JSONDecoder().decode(JSONInput.self, from: Data(bytes))
        } catch {
            throw .badRequest("the request body is not valid JSON")
        }
        guard case .object(let members) = value else { throw .badRequest("the request body must be a JSON object") }
        return members
    }
}

/// Typed access to an object's members, each failure a 400 naming the member.
struct JSONMembers {
    let members: [String: JSONInput]

    func has(_ name: String) -> Bool {
        if let value = members[name], value != .null { return true }
        return false
    }

    func string(_ name: String) throws(RESTError) -> String? {
        switch members[name] {
        case nil, .null: return nil
        case .string(let value): return value
        default: throw .badRequest("\"\(name)\" must be a string")
        }
    }

    func bool(_ name: String) throws(RESTError) -> Bool? {
        switch members[name] {
        case nil, .null: return nil
        case .bool(let value): return value
        default: throw .badRequest("\"\(name)\" must be true or false")
        }
    }

    func integer(_ name: String, in range: ClosedRange<Int64>) throws(RESTError) -> Int64? {
        switch members[name] {
        case nil, .null: return nil
        case .integer(let value) where range.contains(value): return value
        default: throw .badRequest("\"\(name)\" must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
    }

    func stringArray(_ name: String) throws(RESTError) -> [String]? {
        switch members[name] {
        case nil, .null: return nil
        case .array(let items):
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw .badRequest("\"\(name)\" must be an array of strings")
                }
                strings.append(text)
            }
            return strings
        default: throw .badRequest("\"\(name)\" must be an array of strings")
        }
    }

    func object(_ name: String) throws(RESTError) -> JSONMembers? {
        switch members[name] {
        case nil, .null: return nil
        case .object(let value): return JSONMembers(members: value)
        default: throw .badRequest("\"\(name)\" must be an object or null")
        }
    }

    /// Refuses members outside `known`, so a misspelt one is not silently ignored.
    func onlyKnown(_ known: Set<String>) throws(RESTError) {
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw .badRequest("unknown member \"\(unknown)\"")
        }
    }
}
