import type { Command } from "commander";
import { assertOwnKeys, assertTranscript, deal, finish, holderFingerprint, receive } from "../../regulator/dkg.js";
import { initHolderFolder, openHolderFolder, readComplaints, readDeals, readRoster, writeComplaints, writeDeal, writeDkgResult } from "../../regulator/dkg-files.js";
import { passphraseFromEnv } from "../../files.js";
import { Sha256Hex } from "../../formats/fields.js";
import { parseDocument } from "../../formats/schema.js";
import { defineCommand, integerOption } from "../command-kit.js";

interface DkgOptions {
  dir: string;
  ceremony: string;
  holder: number;
  of: number;
  threshold: number;
  passphraseEnv: string;
  holders: string[];
  deals: string[];
  complaints?: string[];
  rosterHash: string;
  expectTranscript?: string;
}

/** A hash the holders confirmed to each other (read aloud, so either case is taken). */
const confirmedHash = (option: string, value: string): string => parseDocument(Sha256Hex, value.toLowerCase(), option);

const passphraseOption = (c: Command) => c.requiredOption("--passphrase-env <variable>", "the variable holding this holder's passphrase (seals its ceremony secrets and its share)");
const holdersOption = (c: Command) => c.requiredOption("--holders <files...>", "every holder's holder-<i>.json, this holder's included");
const dealsOption = (c: Command) => c.requiredOption("--deals <files...>", "every holder's deal-<i>.json");

/**
 * `regulator dkg`: the dealer-free key ceremony. Each step is one command run by one holder
 * in its own folder; the files it writes are what travels between the holders.
 */
export function dkgCommands(regulator: Command): void {
  const dkg = regulator
    .command("dkg")
    .description("dealer-free regulator key generation (Joint-Feldman DKG): every holder runs init, deal, receive and finish in its own folder; nobody ever holds the key");

  defineCommand<DkgOptions>(
    dkg,
    {
      name: "init",
      summary: "step 1: join a ceremony; writes this holder's sealed secrets and holder-<i>.json to publish to the others",
      example: "REG_PASS=… realdid regulator dkg init --dir ./holder-2 --ceremony regulator-2026 --holder 2 --of 5 --threshold 3 --passphrase-env REG_PASS",
    },
    (c) =>
      passphraseOption(
        c
          .requiredOption("--dir <dir>", "this holder's folder")
          .requiredOption("--ceremony <name>", "the ceremony's name, the same for every holder")
          .requiredOption("--holder <i>", "this holder's index, 1..n", integerOption("--holder"))
          .requiredOption("--of <n>", "number of holders", integerOption("--of"))
          .requiredOption("--threshold <k>", "holders needed to unmask", integerOption("--threshold")),
      ),
    async (_, o) => {
      const { file, document } = initHolderFolder(o.dir, o.ceremony, o.holder, o.of, o.threshold, passphraseFromEnv(o.passphraseEnv)!);
      const fingerprint = holderFingerprint(document);
      return {
        data: { holder: o.holder, holderFile: file, fingerprint },
        lines: [
          `holder ${o.holder} of ${o.of} joined ceremony ${o.ceremony} (${o.threshold} to unmask)`,
          `publish ${file} to every other holder, and tell them its fingerprint out of band (in person or by phone): ${fingerprint}`,
        ],
      };
    },
  );

  defineCommand<DkgOptions>(
    dkg,
    {
      name: "roster",
      summary: "between steps 1 and 2: check the holder documents and print the roster hash every holder must confirm out of band before dealing",
      example: "REG_PASS=… realdid regulator dkg roster --dir ./holder-2 --holders holder-*.json --passphrase-env REG_PASS",
    },
    (c) => passphraseOption(holdersOption(c.requiredOption("--dir <dir>", "this holder's folder"))),
    async (_, o) => {
      const holder = openHolderFolder(o.dir, passphraseFromEnv(o.passphraseEnv)!);
      const roster = readRoster(holder, o.holders);
      assertOwnKeys(roster, holder.index, holder.secrets);
      const fingerprints = roster.members.map(holderFingerprint);
      return {
        data: { holder: holder.index, rosterHash: roster.hash, fingerprints },
        lines: [
          ...fingerprints.map((f, i) => `holder ${i + 1}: ${f}${i + 1 === holder.index ? " (this holder's own document)" : ""}`),
          `roster hash ${roster.hash}`,
          "confirm this hash with every other holder out of band, then deal with --roster-hash; if any holder's differs, do not deal",
        ],
      };
    },
  );

  defineCommand<DkgOptions>(
    dkg,
    {
      name: "deal",
      summary: "step 2: this holder's contribution: commitments to a random polynomial and each holder's share encrypted to them, signed (deal-<i>.json)",
      example: "REG_PASS=… realdid regulator dkg deal --dir ./holder-2 --holders holder-*.json --roster-hash 5f1c… --passphrase-env REG_PASS",
    },
    (c) =>
      passphraseOption(
        holdersOption(c.requiredOption("--dir <dir>", "this holder's folder")).requiredOption(
          "--roster-hash <sha256>",
          "the roster hash (from `dkg roster`) every holder confirmed out of band: no share is dealt to any other roster",
        ),
      ),
    async (_, o) => {
      const rosterHash = confirmedHash("--roster-hash", o.rosterHash);
      const holder = openHolderFolder(o.dir, passphraseFromEnv(o.passphraseEnv)!);
      const roster = readRoster(holder, o.holders);
      const file = writeDeal(holder, deal(roster, holder.index, holder.secrets, rosterHash));
      return { data: { holder: holder.index, dealFile: file }, lines: [`holder ${holder.index}'s deal written to ${file}: publish it to every holder`] };
    },
  );

  defineCommand<DkgOptions>(
    dkg,
    {
      name: "receive",
      summary: "step 3: decrypt and check this holder's share in every deal; writes a complaint naming each dealer whose share is bad",
      example: "REG_PASS=… realdid regulator dkg receive --dir ./holder-2 --holders holder-*.json --deals deal-*.json --passphrase-env REG_PASS",
    },
    (c) => passphraseOption(dealsOption(holdersOption(c.requiredOption("--dir <dir>", "this holder's folder")))),
    async (_, o, output) => {
      const holder = openHolderFolder(o.dir, passphraseFromEnv(o.passphraseEnv)!);
      const roster = readRoster(holder, o.holders);
      const { complaints, faults } = receive(roster, holder.index, holder.secrets, readDeals(roster, o.deals));
      const files = writeComplaints(holder, complaints);
      for (const fault of faults) output.warn(fault);
      return {
        data: { holder: holder.index, accused: complaints.map((c) => c.accused), complaintFiles: files },
        lines: files.length === 0 ? [`holder ${holder.index}: every share checks against its dealer's commitments; no complaint`] : files.map((f, i) => `complaint against holder ${complaints[i].accused}: ${f} (publish it to every holder)`),
      };
    },
  );

  defineCommand<DkgOptions>(
    dkg,
    {
      name: "finish",
      summary: "step 4: judge the complaints, form the qualified set and write this holder's share-<i>.json and regulator-public.json",
      example: "REG_PASS=… realdid regulator dkg finish --dir ./holder-2 --holders holder-*.json --deals deal-*.json --complaints complaint-*.json --passphrase-env REG_PASS [--expect-transcript 9a0e…]",
    },
    (c) =>
      passphraseOption(dealsOption(holdersOption(c.requiredOption("--dir <dir>", "this holder's folder"))))
        .option("--complaints <files...>", "every complaint the holders published")
        .option("--expect-transcript <sha256>", "the transcript hash another holder's finish printed (confirmed out of band): refuse, writing nothing, if this holder's differs"),
    async (_, o, output) => {
      const expected = o.expectTranscript === undefined ? undefined : confirmedHash("--expect-transcript", o.expectTranscript);
      const passphrase = passphraseFromEnv(o.passphraseEnv)!;
      const holder = openHolderFolder(o.dir, passphrase);
      const roster = readRoster(holder, o.holders);
      const result = finish(roster, holder.index, holder.secrets, readDeals(roster, o.deals), readComplaints(roster, o.complaints ?? []));
      if (expected !== undefined) assertTranscript(result, expected);
      for (const skipped of result.skippedComplaints) output.warn(skipped.reason);
      const { shareFile, publicFile } = writeDkgResult(holder, result, passphrase);
      const { key } = result;
      return {
        data: {
          holder: holder.index,
          keyId: key.keyId,
          publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() },
          threshold: key.threshold,
          shares: key.shares,
          qualified: result.qualified,
          disqualified: result.disqualified,
          falseComplaints: result.falseComplaints,
          skippedComplaints: result.skippedComplaints,
          transcript: result.transcript,
          shareFile,
          publicFile,
        },
        lines: [
          `regulator key ${key.keyId}: ${key.threshold} of ${key.shares} holders unmask; contributed by holders ${result.qualified.join(", ")}`,
          ...result.disqualified.map((d) => `disqualified holder ${d.holder}: ${d.reason}`),
          ...result.falseComplaints.map((c) => c.reason),
          `your share: ${shareFile}; public key: ${publicFile}; the ceremony secrets are deleted`,
          `TRANSCRIPT ${result.transcript}`,
          expected === undefined
            ? "compare this transcript with every other holder out of band (or let them finish with --expect-transcript): if any differs, the holders were given different deals; do not use the key"
            : "the transcript is the one expected",
        ],
      };
    },
  );
}
