pragma circom 2.1.5;

include "realdid.circom";

// RealDid(HEIGHT = 11 eight-way levels: 2^33 = 8.6e9 leaves, twice a binary tree of depth 32;
//   N = 4 attribute slots: 0 birth date (days since 1900-01-01), 1 region (6-digit code),
//   2 credential expiry (days since 1900-01-01), 3 document type; BITS = 32).
// Public signals, in order (circom puts outputs first):
//   root, didAddress, escrowEphemeral[0], escrowEphemeral[1], escrowCipher,
//   scope, challenge, regulatorKey[0], regulatorKey[1], regulatorKeyShifted[0],
//   regulatorKeyShifted[1], attributeLo[0..3], attributeHi[0..3]
component main {public [scope, challenge, regulatorKey, regulatorKeyShifted, attributeLo, attributeHi]} = RealDid(11, 4, 32);
