pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

/// @title QuadChildren
/// @notice The four children of a tree node, in order, from one child, its position
///         among them and the other three (in their order). Seven constraints.
/// @input node         the child on the path
/// @input position[2]  the path child's position, as bits (position[0] + 2·position[1]);
///                     the caller constrains them to be bits
/// @input siblings[3]  the other three children, left to right
/// @output children[4] [n,s0,s1,s2], [s0,n,s1,s2], [s0,s1,n,s2] or [s0,s1,s2,n]
template QuadChildren() {
    signal input node;
    signal input position[2];
    signal input siblings[3];
    signal output children[4];

    signal isLast <== position[0] * position[1];
    // (1 - b0)(1 - b1), linear once b0·b1 is known.
    signal isFirst <== 1 - position[0] - position[1] + isLast;

    children[0] <== siblings[0] + isFirst * (node - siblings[0]);
    // Slot 1 holds s0 (position 0), the node (1) or s1 (2, 3).
    signal slot1Low <== siblings[0] + position[0] * (node - siblings[0]);
    children[1] <== slot1Low + position[1] * (siblings[1] - slot1Low);
    // Slot 2 holds s1 (position 0, 1), the node (2) or s2 (3).
    signal slot2High <== node + position[0] * (siblings[2] - node);
    children[2] <== siblings[1] + position[1] * (slot2High - siblings[1]);
    children[3] <== siblings[2] + isLast * (node - siblings[2]);
}

/// @title MerkleInclusion
/// @notice Root of a Poseidon quaternary Merkle tree of height HEIGHT (4^HEIGHT leaves;
///         16 levels = 2^32, the capacity of a binary tree of depth 32) from a leaf, its
///         index and the three siblings at each level. A quaternary node, Poseidon(4),
///         costs 297 constraints for two binary levels' worth of path, against 2 × 240
///         for Poseidon(2) pairs.
/// @param HEIGHT               the tree height (levels of 4-way nodes)
/// @input leaf                 the leaf value
/// @input index                the leaf index, < 4^HEIGHT: one leaf has one index (private)
/// @input siblings[HEIGHT][3]  per level from the leaf upwards, the other three children
///                             of the path node's parent, left to right (private)
/// @output root                the Merkle root
template MerkleInclusion(HEIGHT) {
    signal input leaf;
    signal input index;
    signal input siblings[HEIGHT][3];
    signal output root;

    // Two bits per level; Num2Bits(2·HEIGHT) also bounds the index.
    signal indexBits[2 * HEIGHT] <== Num2Bits(2 * HEIGHT)(index);

    signal nodes[HEIGHT + 1];
    signal children[HEIGHT][4];
    nodes[0] <== leaf;
    for (var level = 0; level < HEIGHT; level++) {
        children[level] <== QuadChildren()(nodes[level], [indexBits[2 * level], indexBits[2 * level + 1]], siblings[level]);
        nodes[level + 1] <== Poseidon(4)(children[level]);
    }
    root <== nodes[HEIGHT];
}
