// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The registrar's root ledger (realdid-ledger/2) mirrored on chain.
/// @notice The publisher (the registrar's chain account) appends the ledger's entries in
/// order. The contract rebuilds each entry's canonical JSON, as src/ledger/ledger-entry.ts
/// writes it, and keeps the ledger's hash chain: an entry's hash is SHA-256 of
/// `canonical || "\n" || signature (hex)`, and each entry names the hash of the entry before.
/// So the chain here is the registrar's chain, entry for entry. The entries' Ed25519
/// signatures (by `registrarKey`) are stored in the events for anyone to check off chain:
/// the EVM has no Ed25519 precompile.
/// Roots are accepted as the off-chain ledger accepts them (src/ledger/root-ledger.ts):
/// the current root, or a root replaced less than a window ago, counted from the `time`
/// of the entry that replaced it.
contract RealDidRootRegistry {
    /// @notice The account allowed to publish entries.
    address public immutable publisher;
    /// @notice The registrar's Ed25519 public key, which signs every entry.
    bytes32 public immutable registrarKey;

    struct Entry {
        uint256 root;
        uint64 treeSize;
        /// Milliseconds since 1970-01-01 UTC.
        uint64 timeMs;
        /// The block it was published in: where a reader finds its RootPublished event.
        uint64 blockNumber;
        bytes32 entryHash;
    }

    Entry[] private entries;
    /// @dev A root's last sequence number plus one (0: never published).
    mapping(uint256 => uint256) private lastSeqPlusOne;

    event RootPublished(uint64 indexed seq, uint256 indexed root, uint64 treeSize, string time, bytes32 prevHash, string changeKind, bytes32 changeDigest, bytes signature, bytes32 entryHash);

    error NotPublisher();
    error WrongSequence(uint64 expected);
    error WrongPrevHash(bytes32 expected);
    error BadTime();
    error TimeGoesBack();
    error BadSignatureLength();
    error BadChange();

    constructor(address publisher_, bytes32 registrarKey_) {
        publisher = publisher_;
        registrarKey = registrarKey_;
    }

    /// @notice A ledger entry as the registrar signed it. `time` is its ISO 8601 text
    /// (YYYY-MM-DDTHH:MM:SS.mmmZ); `changeKind` is empty (and `changeDigest` zero) for an
    /// entry without a change; `signature` is the 64-byte Ed25519 signature.
    struct LedgerEntry {
        uint64 seq;
        uint256 root;
        uint64 treeSize;
        string time;
        bytes32 prevHash;
        string changeKind;
        bytes32 changeDigest;
        bytes signature;
    }

    /// @notice Appends the ledger's next entry.
    function publish(LedgerEntry calldata e) external {
        if (msg.sender != publisher) revert NotPublisher();
        uint256 count = entries.length;
        if (e.seq != count) revert WrongSequence(uint64(count));
        bytes32 expectedPrev = count == 0 ? bytes32(0) : entries[count - 1].entryHash;
        if (e.prevHash != expectedPrev) revert WrongPrevHash(expectedPrev);
        uint64 timeMs = parseIsoTime(bytes(e.time));
        if (count > 0 && timeMs < entries[count - 1].timeMs) revert TimeGoesBack();
        if (e.signature.length != 64) revert BadSignatureLength();
        if (bytes(e.changeKind).length == 0 ? e.changeDigest != bytes32(0) : !isChangeKind(bytes(e.changeKind))) revert BadChange();

        bytes32 hash = entryHashOf(e);
        entries.push(Entry(e.root, e.treeSize, timeMs, uint64(block.number), hash));
        lastSeqPlusOne[e.root] = count + 1;
        emit RootPublished(e.seq, e.root, e.treeSize, e.time, e.prevHash, e.changeKind, e.changeDigest, e.signature, hash);
    }

    /// @notice SHA-256 of the entry's canonical JSON (ledger-entry.ts), a newline and its signature in hex.
    function entryHashOf(LedgerEntry calldata e) public pure returns (bytes32) {
        bytes memory canonical = abi.encodePacked(
            '{"seq":', decimal(e.seq), ',"root":"', decimal(e.root), '","treeSize":', decimal(e.treeSize), ',"time":"', e.time, '","prevHash":"', hex32(e.prevHash), '"'
        );
        if (bytes(e.changeKind).length > 0) canonical = abi.encodePacked(canonical, ',"change":{"kind":"', e.changeKind, '","digest":"', hex32(e.changeDigest), '"}');
        return sha256(abi.encodePacked(canonical, "}\n", hexBytes(e.signature)));
    }

    /// @notice Entries published so far (the next entry's sequence number).
    function length() external view returns (uint256) {
        return entries.length;
    }

    function entry(uint64 seq) external view returns (Entry memory) {
        return entries[seq];
    }

    /// @notice The hash of the last entry (the next entry's prevHash), zero when empty.
    function headHash() external view returns (bytes32) {
        return entries.length == 0 ? bytes32(0) : entries[entries.length - 1].entryHash;
    }

    /// @notice 0 unknown, 1 current, 2 replaced less than `windowSeconds` ago, 3 expired.
    function rootStatus(uint256 root, uint64 windowSeconds) public view returns (uint8) {
        uint256 seqPlusOne = lastSeqPlusOne[root];
        if (seqPlusOne == 0) return 0;
        if (seqPlusOne == entries.length) return 1;
        uint256 replacedAtMs = entries[seqPlusOne].timeMs;
        return block.timestamp * 1000 < replacedAtMs + uint256(windowSeconds) * 1000 ? 2 : 3;
    }

    function isChangeKind(bytes memory kind) private pure returns (bool) {
        bytes32 k = keccak256(kind);
        return k == keccak256("enroll") || k == keccak256("revoke") || k == keccak256("reissue") || k == keccak256("enterprise")
            || k == keccak256("enterprise-status") || k == keccak256("enterprise-representative") || k == keccak256("mandate-grant")
            || k == keccak256("mandate-revoke");
    }

    function decimal(uint256 value) private pure returns (bytes memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) digits++;
        bytes memory out = new bytes(digits);
        for (; value != 0; value /= 10) out[--digits] = bytes1(uint8(48 + (value % 10)));
        return out;
    }

    function hexBytes(bytes memory data) private pure returns (bytes memory) {
        bytes memory out = new bytes(data.length * 2);
        bytes16 symbols = "0123456789abcdef";
        for (uint256 i = 0; i < data.length; i++) {
            out[2 * i] = symbols[uint8(data[i]) >> 4];
            out[2 * i + 1] = symbols[uint8(data[i]) & 15];
        }
        return out;
    }

    function hex32(bytes32 value) private pure returns (bytes memory) {
        return hexBytes(abi.encodePacked(value));
    }

    /// @dev YYYY-MM-DDTHH:MM:SS.mmmZ (Date's toISOString for years 1970 to 9999) to milliseconds.
    function parseIsoTime(bytes memory t) private pure returns (uint64) {
        if (t.length != 24 || t[4] != "-" || t[7] != "-" || t[10] != "T" || t[13] != ":" || t[16] != ":" || t[19] != "." || t[23] != "Z") revert BadTime();
        uint256 year = digits(t, 0, 4);
        uint256 month = digits(t, 5, 2);
        uint256 day = digits(t, 8, 2);
        uint256 hour = digits(t, 11, 2);
        uint256 minute = digits(t, 14, 2);
        uint256 second = digits(t, 17, 2);
        if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) revert BadTime();
        // Days from 1970-01-01 (the proleptic Gregorian calendar, H. Hinnant's days_from_civil).
        uint256 y = month <= 2 ? year - 1 : year;
        uint256 era = y / 400;
        uint256 yearOfEra = y - era * 400;
        uint256 dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        uint256 dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        uint256 days_ = era * 146097 + dayOfEra - 719468;
        return uint64((((days_ * 24 + hour) * 60 + minute) * 60 + second) * 1000 + digits(t, 20, 3));
    }

    function daysInMonth(uint256 year, uint256 month) private pure returns (uint256) {
        if (month == 2) return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28;
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }

    function digits(bytes memory t, uint256 from, uint256 count) private pure returns (uint256 value) {
        for (uint256 i = from; i < from + count; i++) {
            uint8 c = uint8(t[i]);
            if (c < 48 || c > 57) revert BadTime();
            value = value * 10 + (c - 48);
        }
    }
}
