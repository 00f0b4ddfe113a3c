pragma circom 2.1.5;

include "realdid.circom";

// RealDid(MAX_DEPTH = 32 levels: 4.3e9 leaves, N = 4 attribute slots:
//   0 birth date (days since 1900-01-01), 1 region (6-digit code),
//   2 credential expiry (days since 1900-01-01), 3 document type).
// Public signals, in order (circom puts outputs first):
//   root, didAddress, escrowEphemeral[0], escrowEphemeral[1], escrowCipher,
//   scope, challenge, regulatorKey[0], regulatorKey[1], attributeLo[0..3], attributeHi[0..3]
component main {public [scope, challenge, regulatorKey, attributeLo, attributeHi]} = RealDid(32, 4);
