pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";

/// @title IdentityCommitment
/// @notice Commits to the citizen's secret: commitment = Poseidon1(secret).
///         The secret must be a canonical Baby Jubjub scalar (0 <= secret < l), as in
///         Semaphore v4, so one identity has exactly one encoding and the secret can
///         later double as a signing key.
/// @input secret      the identity secret (private)
/// @output commitment Poseidon1(secret); arity 1 separates it from every other hash here
template IdentityCommitment() {
    signal input secret;
    signal output commitment;

    // Baby Jubjub prime subgroup order l (< 2^251).
    var L = 2736030358979909402780800718157159386076813972158567259200215660948447373041;

    // Range-check first: LessThan(251) is only sound on 251-bit inputs.
    component secretBits = Num2Bits(251);
    secretBits.in <== secret;
    component belowOrder = LessThan(251);
    belowOrder.in <== [secret, L];
    belowOrder.out === 1;

    commitment <== Poseidon(1)([secret]);
}
