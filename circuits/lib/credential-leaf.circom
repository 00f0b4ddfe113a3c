pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";

/// @title CredentialLeaf
/// @notice The registry leaf: Poseidon(commitment, attributes[0..N-1]).
///         The attributes are not range-checked here: the registrar, who verified them,
///         writes them into the leaf, and AttributePredicates proves each one lies in its
///         public range without needing a bound on the value itself.
/// @param N                number of attribute slots (birth date, region, expiry, document type)
/// @input commitment       the identity commitment
/// @input attributes[N]    attribute values (private)
/// @output leaf            the registry leaf (also the escrowed real-name handle)
template CredentialLeaf(N) {
    signal input commitment;
    signal input attributes[N];
    signal output leaf;

    signal preimage[N + 1];
    preimage[0] <== commitment;
    for (var i = 0; i < N; i++) {
        preimage[i + 1] <== attributes[i];
    }
    leaf <== Poseidon(N + 1)(preimage);
}
