pragma circom 2.1.5;

include "realdid-business.circom";

// RealDidBusiness(HEIGHT = 11 eight-way levels: 2^33 leaves, the personal circuit's registry;
//   N = 4 personal attribute slots as in realdid-32-4; BITS = 32; TASKS = 4 task slots per mandate).
// Public signals, in order (circom puts outputs first):
//   root, pseudonym, escrowEphemeral[0], escrowEphemeral[1], escrowCipher, mandateCipher,
//   revealedEnterprise, scope, challenge, regulatorKey[0], regulatorKey[1],
//   regulatorKeyShifted[0], regulatorKeyShifted[1], today, allowedRoles[0..2], requiredTask,
//   revealEnterprise, attributeLo[0..3], attributeHi[0..3], enterpriseLo[0..1], enterpriseHi[0..1]
component main {public [scope, challenge, regulatorKey, regulatorKeyShifted, today, allowedRoles, requiredTask, revealEnterprise, attributeLo, attributeHi, enterpriseLo, enterpriseHi]} = RealDidBusiness(11, 4, 32, 4);
