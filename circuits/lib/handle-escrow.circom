pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/escalarmulfix.circom";
include "circomlib/circuits/poseidon.circom";

/// @title HandleEscrow
/// @notice Encrypts the real-name handle to the regulator's Baby Jubjub key, ECDH + Poseidon:
///         R = r·G, K = r·PK, cipher = handle + Poseidon2(K.x, K.y).
///         The regulator recovers K = sk·R and handle = cipher - Poseidon2(K). Proving it
///         in-circuit means nobody can hand a website a ciphertext of someone else.
///         Assumes PK is in the prime-order subgroup and not the identity: the verifier
///         checks PK equals its policy key, and keygen guarantees both (circomlib's
///         EscalarMulAny is only complete under that assumption).
/// @input handle         the value to escrow (the registry leaf)
/// @input randomness     the ephemeral scalar r, < 2^251 (private)
/// @input publicKey[2]   the regulator key PK (twisted Edwards)
/// @output ephemeral[2]  R = r·G, with G = Base8 (the subgroup generator)
/// @output cipher        handle + Poseidon2(r·PK)
template HandleEscrow() {
    signal input handle;
    signal input randomness;
    signal input publicKey[2];
    signal output ephemeral[2];
    signal output cipher;

    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];

    signal rBits[251] <== Num2Bits(251)(randomness);
    ephemeral <== EscalarMulFix(251, BASE8)(rBits);
    signal sharedKey[2] <== EscalarMulAny(251)(rBits, publicKey);
    signal pad <== Poseidon(2)(sharedKey);
    cipher <== handle + pad;
}
