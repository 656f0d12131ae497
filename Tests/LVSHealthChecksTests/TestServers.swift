import Foundation
import LVSCore
import LVSHealth
import NIOCore
import NIOPosix
import NIOSSL

@testable import LVSHealthChecks

/// Servers on 127.0.0.1, port 0, started and stopped by each test. Nothing leaves loopback.
enum TestServers {
    static let loopback = IPAddress(ipv4: 0x7F00_0001)

    static func endpoint(_ channel: any Channel) -> ProbeEndpoint {
        ProbeEndpoint(address: loopback, port: UInt16(channel.localAddress?.port ?? 0))
    }

    /// A TCP server whose connections get `makeHandler()` (nil: accepted and left alone).
    static func tcp(
        group: any EventLoopGroup, tls: NIOSSLContext? = nil,
        makeHandler: @escaping @Sendable () -> (any ChannelHandler & Sendable)? = { nil }
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    if let handler = makeHandler() { try channel.pipeline.syncOperations.addHandler(handler) }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// A port nothing listens on: bound, then closed.
    static func closedPort(group: any EventLoopGroup) async throws -> ProbeEndpoint {
        let channel = try await tcp(group: group)
        let endpoint = endpoint(channel)
        try await channel.close()
        return endpoint
    }

    /// A UDP server answering each datagram with `reply(datagram)` (nil: no answer).
    static func udp(group: any EventLoopGroup, reply: @escaping @Sendable ([UInt8]) -> [UInt8]?) async throws
        -> any Channel
    {
        try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramResponder(reply: reply))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// A self-signed certificate for 127.0.0.1 made with openssl in a temporary directory;
    /// nil when openssl is missing.
    static func selfSignedContext() throws -> NIOSSLContext? {
        let openssl = ["/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let openssl else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lvs-health-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path
        let cert = directory.appendingPathComponent("cert.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }
}

/// Answers one HTTP request with a fixed status and body, then closes.
final class FixedHTTPResponder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let status: Int
    let body: String

    init(status: Int, body: String) {
        self.status = status
        self.body = body
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard buffer.readableBytesView.contains(10) else { return }
        let response =
            "HTTP/1.0 \(status) Test\r\nContent-Length: \(body.utf8.count)\r\nContent-Type: text/plain\r\n\r\n\(body)"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

/// `220` greeting, `250` to HELO, closes on QUIT.
final class SMTPResponder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let heloReply: String

    init(heloReply: String = "250 test.example") { self.heloReply = heloReply }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "220 test.example ESMTP\r\n")), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = String(buffer: unwrapInboundIn(data))
        if text.hasPrefix("HELO ") {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "\(heloReply)\r\n")), promise: nil)
        } else if text.hasPrefix("QUIT") {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "221 bye\r\n"))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}

final class DatagramResponder: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let reply: @Sendable ([UInt8]) -> [UInt8]?

    init(reply: @escaping @Sendable ([UInt8]) -> [UInt8]?) { self.reply = reply }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        let bytes = envelope.data.readBytes(length: envelope.data.readableBytes) ?? []
        guard let answer = reply(bytes) else { return }
        let out = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: answer))
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }
}
