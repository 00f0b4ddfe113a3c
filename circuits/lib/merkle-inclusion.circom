pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

/// @title OctChildren
/// @notice The eight children of a tree node, in order, from one child, its position among
///         them and the other seven (in their order). 18 constraints.
/// @input node         the child on the path
/// @input position[3]  the path child's position, as bits (little-endian); the caller
///                     constrains them to be bits
/// @input siblings[7]  the other seven children, left to right
/// @output children[8] the siblings with the node inserted at `position`
template OctChildren() {
    signal input node;
    signal input position[3];
    signal input siblings[7];
    signal output children[8];

    signal b01 <== position[0] * position[1];
    signal b02 <== position[0] * position[2];
    signal b12 <== position[1] * position[2];
    signal b012 <== b01 * position[2];
    // atLeast[j] = (position >= j), linear in the products above.
    var atLeast[9];
    atLeast[0] = 1;
    atLeast[1] = position[0] + position[1] + position[2] - b01 - b02 - b12 + b012;
    atLeast[2] = position[1] + position[2] - b12;
    atLeast[3] = position[2] + b01 - b012;
    atLeast[4] = position[2];
    atLeast[5] = b12 + b02 - b012;
    atLeast[6] = b12;
    atLeast[7] = b012;
    atLeast[8] = 0;

    // Slot j holds s[j-1] (position < j), the node (position == j) or s[j] (position > j).
    children[0] <== node + atLeast[1] * (siblings[0] - node);
    signal upToNode[6];
    for (var j = 1; j < 7; j++) {
        upToNode[j - 1] <== siblings[j - 1] + atLeast[j] * (node - siblings[j - 1]);
        children[j] <== upToNode[j - 1] + atLeast[j + 1] * (siblings[j] - node);
    }
    children[7] <== siblings[6] + atLeast[7] * (node - siblings[6]);
}

/// @title MerkleInclusion
/// @notice Root of a Poseidon Merkle tree with eight children per node, of height HEIGHT
///         (8^HEIGHT leaves; 11 levels = 2^33, twice a binary tree of depth 32) from a leaf,
///         its index and the seven siblings at each level. An eight-way node, Poseidon(8),
///         costs 402 + 18 constraints for three binary levels' worth of path, against
///         3 × 240 for Poseidon(2) pairs (and 1.5 × 297 for Poseidon(4)).
/// @param HEIGHT               the tree height (levels of 8-way nodes)
/// @input leaf                 the leaf value
/// @input index                the leaf index, < 8^HEIGHT: one leaf has one index (private)
/// @input siblings[HEIGHT][7]  per level from the leaf upwards, the other seven children
///                             of the path node's parent, left to right (private)
/// @output root                the Merkle root
template MerkleInclusion(HEIGHT) {
    signal input leaf;
    signal input index;
    signal input siblings[HEIGHT][7];
    signal output root;

    // Three bits per level; Num2Bits(3·HEIGHT) also bounds the index.
    signal indexBits[3 * HEIGHT] <== Num2Bits(3 * HEIGHT)(index);

    signal nodes[HEIGHT + 1];
    signal children[HEIGHT][8];
    nodes[0] <== leaf;
    for (var level = 0; level < HEIGHT; level++) {
        children[level] <== OctChildren()(nodes[level], [indexBits[3 * level], indexBits[3 * level + 1], indexBits[3 * level + 2]], siblings[level]);
        nodes[level + 1] <== Poseidon(8)(children[level]);
    }
    root <== nodes[HEIGHT];
}
