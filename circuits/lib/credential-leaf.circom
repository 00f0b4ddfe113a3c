pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

/// @title CredentialLeaf
/// @notice The registry leaf: Poseidon(commitment, attributes[0..N-1]).
///         Every attribute slot is range-checked to 64 bits so the predicates that
///         compare it are sound.
/// @param N                number of attribute slots (birth date, region, expiry, document type)
/// @input commitment       the identity commitment
/// @input attributes[N]    attribute values, each < 2^64 (private)
/// @output leaf            the registry leaf (also the escrowed real-name handle)
template CredentialLeaf(N) {
    signal input commitment;
    signal input attributes[N];
    signal output leaf;

    for (var i = 0; i < N; i++) {
        _ <== Num2Bits(64)(attributes[i]);
    }

    signal preimage[N + 1];
    preimage[0] <== commitment;
    for (var i = 0; i < N; i++) {
        preimage[i + 1] <== attributes[i];
    }
    leaf <== Poseidon(N + 1)(preimage);
}
