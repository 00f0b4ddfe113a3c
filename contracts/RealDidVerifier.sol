// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IRealDidGroth16Verifier {
    function verifyProof(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[19] calldata input) external view returns (bool);
    /// The regulator key and its shift: the public inputs the verifier was deployed with.
    function fixedInputs() external view returns (uint256[4] memory);
}

interface IRealDidRootRegistry {
    function rootStatus(uint256 root, uint64 windowSeconds) external view returns (uint8);
}

/// @title realdid login proofs checked on chain, as src/proof/verifier.ts checks them off chain.
/// @notice A proof is accepted for a scope (a dApp's, hashed as scopeToField does), a
/// challenge the caller chose (bind it to the action, e.g. a hash of the sender and the
/// call, so that a proof copied from the mempool is worth nothing elsewhere), the predicate
/// bounds the caller requires, this contract's regulator key, and a root the registry
/// accepts. The escrowed real-name handle goes to the regulator in the ProofAccepted event;
/// for a one-per-person action the DID address (the per-scope nullifier) is recorded and
/// a second use refused.
contract RealDidVerifier {
    /// Public signals (src/proof/public-signals.ts).
    uint256 private constant ROOT = 0;
    uint256 private constant DID_ADDRESS = 1;
    uint256 private constant ESCROW_X = 2;
    uint256 private constant ESCROW_Y = 3;
    uint256 private constant ESCROW_CIPHER = 4;
    uint256 private constant SCOPE = 5;
    uint256 private constant CHALLENGE = 6;
    uint256 private constant REGULATOR = 7;
    uint256 private constant LOW = 11;
    uint256 private constant HIGH = 15;
    /// Attribute values and bounds are below 2^32: the circuit's range checks are only sound then.
    uint256 private constant ATTRIBUTE_MAX = 2 ** 32 - 1;

    IRealDidRootRegistry public immutable registry;
    IRealDidGroth16Verifier public immutable groth16;
    uint64 public immutable rootWindowSeconds;
    /// The regulator's Baby Jubjub key and 2^126 times it (both public inputs of the circuit), as the
    /// Groth16 verifier was deployed with them (checked off chain then: regulatorKeyWords).
    uint256 public immutable regulatorX;
    uint256 public immutable regulatorY;
    uint256 public immutable regulatorShiftedX;
    uint256 public immutable regulatorShiftedY;

    /// scope field => DID address => used by a one-per-person action.
    mapping(uint256 => mapping(uint256 => bool)) public used;

    struct Proof {
        uint256[2] a;
        /// Coordinates as the pairing precompile takes them (src/chain/groth16-solidity.ts verifierArguments).
        uint256[2][2] b;
        uint256[2] c;
        uint256[19] publicSignals;
    }

    /// Bounds per attribute slot: birth date, region, expiry, document type (src/attributes/predicates.ts).
    struct Request {
        string scope;
        uint256 challenge;
        uint256[4] low;
        uint256[4] high;
    }

    event ProofAccepted(uint256 indexed scope, uint256 indexed didAddress, uint256 root, uint256 challenge, uint256 escrowX, uint256 escrowY, uint256 escrowCipher, bool onePerPerson);

    error WrongScope();
    error WrongChallenge();
    error WrongRegulatorKey();
    error BoundOutOfRange();
    error WrongBounds();
    error EscrowAtIdentity();
    error UnknownRoot();
    error ExpiredRoot();
    error InvalidProof();
    error AlreadyUsed();

    constructor(IRealDidRootRegistry registry_, IRealDidGroth16Verifier groth16_, uint64 rootWindowSeconds_) {
        registry = registry_;
        groth16 = groth16_;
        rootWindowSeconds = rootWindowSeconds_;
        uint256[4] memory regulatorKey = groth16_.fixedInputs();
        (regulatorX, regulatorY, regulatorShiftedX, regulatorShiftedY) = (regulatorKey[0], regulatorKey[1], regulatorKey[2], regulatorKey[3]);
    }

    /// @notice The scope as a field element: SHA-256("realdid/scope/1\0" || scope), its first 31 bytes.
    function scopeField(string calldata scope) public pure returns (uint256) {
        return uint256(sha256(abi.encodePacked("realdid/scope/1", bytes1(0), scope))) >> 8;
    }

    /// @notice Reverts unless the proof answers the request; returns the prover's DID address for the scope.
    function check(Request calldata request, Proof calldata proof) public view returns (uint256 didAddress) {
        uint256[19] calldata s = proof.publicSignals;
        if (s[SCOPE] != scopeField(request.scope)) revert WrongScope();
        if (s[CHALLENGE] != request.challenge) revert WrongChallenge();
        if (s[REGULATOR] != regulatorX || s[REGULATOR + 1] != regulatorY || s[REGULATOR + 2] != regulatorShiftedX || s[REGULATOR + 3] != regulatorShiftedY) revert WrongRegulatorKey();
        for (uint256 i = 0; i < 4; i++) {
            if (request.low[i] > ATTRIBUTE_MAX || request.high[i] > ATTRIBUTE_MAX) revert BoundOutOfRange();
            if (s[LOW + i] != request.low[i] || s[HIGH + i] != request.high[i]) revert WrongBounds();
        }
        // The identity point (0, 1) as the ephemeral key would leave the handle unmasked to no one.
        if (s[ESCROW_X] == 0 && s[ESCROW_Y] == 1) revert EscrowAtIdentity();
        uint8 status = registry.rootStatus(s[ROOT], rootWindowSeconds);
        if (status == 0) revert UnknownRoot();
        if (status == 3) revert ExpiredRoot();
        if (!groth16.verifyProof(proof.a, proof.b, proof.c, s)) revert InvalidProof();
        return s[DID_ADDRESS];
    }

    /// @notice check, then the escrowed handle in an event; a one-per-person action also records the DID address.
    function accept(Request calldata request, Proof calldata proof, bool onePerPerson) external returns (uint256 didAddress) {
        didAddress = check(request, proof);
        uint256[19] calldata s = proof.publicSignals;
        if (onePerPerson) {
            if (used[s[SCOPE]][didAddress]) revert AlreadyUsed();
            used[s[SCOPE]][didAddress] = true;
        }
        emit ProofAccepted(s[SCOPE], didAddress, s[ROOT], s[CHALLENGE], s[ESCROW_X], s[ESCROW_Y], s[ESCROW_CIPHER], onePerPerson);
    }
}
