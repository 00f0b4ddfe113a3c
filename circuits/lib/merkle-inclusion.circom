pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";

/// @title MerkleInclusion
/// @notice Root of a Poseidon binary Merkle tree from a leaf, its index and its siblings,
///         for any depth 1..MAX_DEPTH. Always hashes MAX_DEPTH levels and selects the
///         node at `depth`, so the constraint count does not depend on the depth used.
///         Guards the BinaryMerkleRoot trap: a depth outside 1..MAX_DEPTH has no valid
///         witness (instead of silently giving root 0), and index bits at or above
///         `depth` must be zero, so a leaf has exactly one index.
/// @param MAX_DEPTH            the largest supported depth (32 = 4.3e9 leaves)
/// @input leaf                 the leaf value
/// @input depth                the tree depth, 1..MAX_DEPTH (private)
/// @input index                the leaf index, < 2^depth (private)
/// @input siblings[MAX_DEPTH]  sibling hashes from the leaf upwards; entries at and
///                             above `depth` are ignored (private)
/// @output root                the Merkle root at `depth`
template MerkleInclusion(MAX_DEPTH) {
    signal input leaf;
    signal input depth;
    signal input index;
    signal input siblings[MAX_DEPTH];
    signal output root;

    signal indexBits[MAX_DEPTH] <== Num2Bits(MAX_DEPTH)(index);

    // atDepth[i] = (depth == i + 1); exactly one of them must hold.
    signal atDepth[MAX_DEPTH];
    var depthMatches = 0;
    for (var i = 0; i < MAX_DEPTH; i++) {
        atDepth[i] <== IsEqual()([depth, i + 1]);
        depthMatches += atDepth[i];
    }
    depthMatches === 1;

    // pastDepth[i] = 1 once level i is at or above the tree's depth.
    signal pastDepth[MAX_DEPTH];
    pastDepth[0] <== 0;
    for (var i = 1; i < MAX_DEPTH; i++) {
        pastDepth[i] <== pastDepth[i - 1] + atDepth[i - 1];
    }

    signal nodes[MAX_DEPTH + 1];
    signal swap[MAX_DEPTH];
    signal selected[MAX_DEPTH];
    nodes[0] <== leaf;
    var rootSum = 0;
    for (var i = 0; i < MAX_DEPTH; i++) {
        indexBits[i] * pastDepth[i] === 0;
        // Bit 1 puts the current node on the right: one multiplication serves both sides.
        swap[i] <== indexBits[i] * (siblings[i] - nodes[i]);
        nodes[i + 1] <== Poseidon(2)([nodes[i] + swap[i], siblings[i] - swap[i]]);
        selected[i] <== atDepth[i] * nodes[i + 1];
        rootSum += selected[i];
    }
    root <== rootSum;
}
