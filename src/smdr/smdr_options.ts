// The `smdr` settings section: listeners, push target, record format and limits, with the service's own
// checks, so a value the SMDR service would refuse at apply is refused at save.

import { z } from "zod";
import { errorText } from "../log/error_text.ts";
import { bindAddress, port } from "../net/listen_fields.ts";
import { AllowList } from "../net/allow_list.ts";
import { checkPaddingCharacter } from "./record.ts";

export const smdrSchema = z.object({
  enabled: z.boolean().default(true).describe("produce SMDR call records"),
  bind: bindAddress("the SMDR listener"),
  localEnabled: z.boolean().default(true).describe("local mode: collectors connect to cstabox"),
  localPort: port(2007, "SMDR local-mode port"),
  allowedSources: z.array(z.string()).default([]).describe(
    "collector source addresses allowed to connect (empty = any)",
  ),
  maxCollectors: z.number().int().min(1).max(100).default(10).describe("collectors connected at once"),
  pushEnabled: z.boolean().default(false).describe("push mode: cstabox connects to one collector"),
  pushHost: z.string().default("").describe("push-mode collector host"),
  pushPort: z.number().int().min(0).max(65535).default(0).describe("push-mode collector port"),
  paddingCharacter: z.string().length(1).default("0").describe("character that pads number fields"),
  historySize: z.number().int().min(10).max(3000).default(500).describe(
    "records replayed to a collector when it connects",
  ),
  collectorQueueBytes: z.number().int().min(16 * 1024).default(1024 * 1024).describe(
    "bytes queued for one collector before it is cut off (raised to hold the replay history twice)",
  ),
  pushSettleSeconds: z.number().min(0).max(60).default(1).describe(
    "a pushed record counts as delivered once its connection stayed healthy this long after the write",
  ),
  pushReplayBytes: z.number().int().min(0).default(10 * 1024 * 1024).describe(
    "bytes the buffers between cstabox and the push collector hold: a record counts as read once this many followed it; the rest is sent again on reconnect",
  ),
  keepDays: z.number().int().min(1).max(3650).default(90).describe(
    "days the record history is kept (searchable and downloadable); unread push records stay longer",
  ),
  keepRecords: z.number().int().min(3000).max(100_000_000).default(2_000_000).describe(
    "most records the history keeps (about 260 bytes of disk each); the oldest go first",
  ),
  backlogLimit: z.number().int().min(0).default(0).describe(
    "push backlog cap in records (0 = unlimited; drops beyond a cap are counted and shown)",
  ),
  commitIntervalMs: z.number().int().min(0).max(1000).default(20).describe(
    "records (and the trunk calls in progress they are about) made within this many ms are committed together, flushed to the disk, then sent (0 = each at once; each commit costs an fsync, off the event loop)",
  ),
}).strict().superRefine((smdr, ctx) => {
  // The SMDR service's own checks, so what it would refuse at apply is refused at save.
  for (
    const [path, check] of [
      ["allowedSources", () => AllowList.parse(smdr.allowedSources, "smdr.allowedSources")],
      ["paddingCharacter", () => checkPaddingCharacter(smdr.paddingCharacter)],
    ] as const
  ) {
    try {
      check();
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        path: [path],
        message: errorText(error),
      });
    }
  }
});

/** The SMDR section as the service takes it. */
export type SmdrSettings = z.output<typeof smdrSchema>;
