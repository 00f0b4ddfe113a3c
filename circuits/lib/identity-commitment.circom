pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";

/// @title IdentityCommitment
/// @notice Commits to the citizen's secret: commitment = Poseidon1(secret).
///         Any field element is a valid secret here: the secret is only ever hashed, never
///         split into bits or used as a curve scalar, so it needs no range check (Poseidon's
///         collision resistance already gives one identity one commitment).
/// @input secret      the identity secret (private)
/// @output commitment Poseidon1(secret); arity 1 separates it from every other hash here
template IdentityCommitment() {
    signal input secret;
    signal output commitment;

    commitment <== Poseidon(1)([secret]);
}
