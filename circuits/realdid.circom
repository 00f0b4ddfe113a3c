pragma circom 2.1.5;

include "lib/identity-commitment.circom";
include "lib/credential-leaf.circom";
include "lib/merkle-inclusion.circom";
include "lib/attribute-predicates.circom";
include "lib/did-address.circom";
include "lib/handle-escrow.circom";

/// @title RealDid
/// @notice "I am enrolled under this root; my attributes lie in these ranges; my address
///         for this scope is P; this proof answers this challenge; and here is my handle
///         encrypted to the regulator."
/// @param HEIGHT                 registry tree height (8-way levels; 11 = 2^33 leaves)
/// @param N                      number of attribute slots
/// @param BITS                   width of attribute values and bounds (32)
/// @input secret                 identity secret (private)
/// @input attributes[N]          attribute values (private)
/// @input index                  leaf index (private)
/// @input siblings[HEIGHT][7]    Merkle path: the other seven children per level (private)
/// @input escrowRandomness       escrow randomness r < 2^252 (private)
/// @input scope                  public: the site's scope
/// @input challenge              public: the site's challenge, bound into the proof
/// @input regulatorKey[2]        public: the regulator's Baby Jubjub key
/// @input regulatorKeyShifted[2] public: 2^126·regulatorKey (the verifier recomputes it)
/// @input attributeLo[N]         public: inclusive lower bound per slot (< 2^BITS)
/// @input attributeHi[N]         public: inclusive upper bound per slot (< 2^BITS)
/// @output root                  the registry root the leaf is under
/// @output didAddress            Poseidon2(scope, secret): address and nullifier
/// @output escrowEphemeral[2]    R = k·G
/// @output escrowCipher          leaf + Poseidon2(k·regulatorKey)
template RealDid(HEIGHT, N, BITS) {
    signal input secret;
    signal input attributes[N];
    signal input index;
    signal input siblings[HEIGHT][7];
    signal input escrowRandomness;

    signal input scope;
    signal input challenge;
    signal input regulatorKey[2];
    signal input regulatorKeyShifted[2];
    signal input attributeLo[N];
    signal input attributeHi[N];

    signal output root;
    signal output didAddress;
    signal output escrowEphemeral[2];
    signal output escrowCipher;

    signal commitment <== IdentityCommitment()(secret);
    signal leaf <== CredentialLeaf(N)(commitment, attributes);
    root <== MerkleInclusion(HEIGHT)(leaf, index, siblings);
    AttributePredicates(N, BITS)(attributes, attributeLo, attributeHi);
    didAddress <== DidAddress()(scope, secret);
    (escrowEphemeral, escrowCipher) <== HandleEscrow()(leaf, escrowRandomness, regulatorKey, regulatorKeyShifted);

    // The challenge enters no other constraint; squaring it keeps it in the R1CS so a
    // proof cannot be replayed with another challenge (Semaphore's dummySquare).
    signal challengeSquare <== challenge * challenge;
}
