import NIOCore
import VigilModel

/// The framed protocol between Vigil and `python/vigil_worker.py`, over the worker's stdin and stdout.
///
/// All integers are big-endian; `N` counts the bytes after itself.
///
///     request (to stdin):   u32 N | u8 kind=1 | u64 id | u16 ctLen (0xFFFF: no Content-Type) | ct | body
///     answer (from stdout): u32 N | u8 kind | u64 id | u16 status | u8 reason | u16 ctLen | ct | body
///
/// Answer kinds: 1 the answer to request `id`; 2 ready (body: JSON facts about the worker);
/// 3 load failed (body: a sentence; the worker then exits 1). Reasons: 0 none, 1 bad_request,
/// 2 schema, 3 model_error. A worker answers one request at a time, in order.
enum WorkerFrame {
    static let invocationKind: UInt8 = 1
    static let noContentType: UInt16 = 0xFFFF
    /// kind + id + ctLen
    static let requestHeaderLength = 1 + 8 + 2

    /// Encodes one request. `contentType` is the raw Content-Type header (MLflow reads it as latin-1 bytes).
    static func request(id: UInt64, contentType: String?, body: ByteBuffer, allocator: ByteBufferAllocator)
        -> ByteBuffer
    {
        let contentTypeBytes = contentType.map { Array($0.utf8.prefix(Int(noContentType) - 1)) }
        let length = requestHeaderLength + (contentTypeBytes?.count ?? 0) + body.readableBytes
        var buffer = allocator.buffer(capacity: 4 + length)
        buffer.writeInteger(UInt32(truncatingIfNeeded: length))
        buffer.writeInteger(invocationKind)
        buffer.writeInteger(id)
        if let contentTypeBytes {
            buffer.writeInteger(UInt16(contentTypeBytes.count))
            buffer.writeBytes(contentTypeBytes)
        } else {
            buffer.writeInteger(noContentType)
        }
        buffer.writeImmutableBuffer(body)
        return buffer
    }
}

/// One frame from a worker.
struct WorkerAnswer: Sendable {
    enum Kind: UInt8, Sendable {
        case answer = 1
        case ready = 2
        case loadFailed = 3
    }

    var kind: Kind
    var id: UInt64
    var status: Int
    var reason: ScoringError.Reason?
    var contentType: String
    var body: ByteBuffer

    var bodyText: String { String(buffer: body) }
}

/// A frame the worker sent that breaks the protocol: the worker is killed and restarted.
struct WorkerProtocolError: Error, CustomStringConvertible {
    var description: String
}

/// Splits the worker's stdout into `WorkerAnswer`s.
struct WorkerAnswerDecoder: ByteToMessageDecoder {
    typealias InboundOut = WorkerAnswer

    /// kind + id + status + reason + ctLen
    private static let headerLength = 1 + 8 + 2 + 1 + 2

    let maximumFrameLength: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            return .needMoreData
        }
        guard length >= Self.headerLength, Int(length) <= maximumFrameLength else {
            throw WorkerProtocolError(
                description: "a frame of \(length) bytes (allowed: \(Self.headerLength)...\(maximumFrameLength))"
            )
        }
        guard buffer.readableBytes >= 4 + Int(length) else {
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: 4)
        var frame = buffer.readSlice(length: Int(length))!
        let rawKind = frame.readInteger(as: UInt8.self)!
        let id = frame.readInteger(as: UInt64.self)!
        let status = frame.readInteger(as: UInt16.self)!
        let rawReason = frame.readInteger(as: UInt8.self)!
        let contentTypeLength = frame.readInteger(as: UInt16.self)!
        guard let kind = WorkerAnswer.Kind(rawValue: rawKind),
            let contentType = frame.readString(length: Int(contentTypeLength))
        else {
            throw WorkerProtocolError(description: "a frame of kind \(rawKind) with content type length \(contentTypeLength)")
        }
        let answer = WorkerAnswer(
            kind: kind,
            id: id,
            status: Int(status),
            reason: Self.reason(rawReason, status: Int(status)),
            contentType: contentType,
            body: frame
        )
        context.fireChannelRead(Self.wrapInboundOut(answer))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    private static func reason(_ raw: UInt8, status: Int) -> ScoringError.Reason? {
        switch raw {
        case 1: .badRequest
        case 2: .schema
        case 3: .modelError
        default: status == 200 ? nil : .modelError
        }
    }
}
