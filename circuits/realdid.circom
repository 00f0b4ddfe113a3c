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
/// @param MAX_DEPTH            the largest registry tree depth
/// @param N                    number of attribute slots
/// @input secret               identity secret (private)
/// @input attributes[N]        attribute values (private)
/// @input depth                tree depth used (private)
/// @input index                leaf index (private)
/// @input siblings[MAX_DEPTH]  Merkle path (private)
/// @input escrowRandomness     ephemeral escrow scalar (private)
/// @input scope                public: the site's scope
/// @input challenge            public: the site's challenge, bound into the proof
/// @input regulatorKey[2]      public: the regulator's Baby Jubjub key
/// @input attributeLo[N]       public: inclusive lower bound per slot
/// @input attributeHi[N]       public: inclusive upper bound per slot
/// @output root                the registry root the leaf is under
/// @output didAddress          Poseidon2(scope, secret): address and nullifier
/// @output escrowEphemeral[2]  R = r·G
/// @output escrowCipher        leaf + Poseidon2(r·regulatorKey)
template RealDid(MAX_DEPTH, N) {
    signal input secret;
    signal input attributes[N];
    signal input depth;
    signal input index;
    signal input siblings[MAX_DEPTH];
    signal input escrowRandomness;

    signal input scope;
    signal input challenge;
    signal input regulatorKey[2];
    signal input attributeLo[N];
    signal input attributeHi[N];

    signal output root;
    signal output didAddress;
    signal output escrowEphemeral[2];
    signal output escrowCipher;

    signal commitment <== IdentityCommitment()(secret);
    signal leaf <== CredentialLeaf(N)(commitment, attributes);
    root <== MerkleInclusion(MAX_DEPTH)(leaf, depth, index, siblings);
    AttributePredicates(N)(attributes, attributeLo, attributeHi);
    didAddress <== DidAddress()(scope, secret);
    (escrowEphemeral, escrowCipher) <== HandleEscrow()(leaf, escrowRandomness, regulatorKey);

    // The challenge enters no other constraint; squaring it keeps it in the R1CS so a
    // proof cannot be replayed with another challenge (Semaphore's dummySquare).
    signal challengeSquare <== challenge * challenge;
}
