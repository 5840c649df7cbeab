// The MQTT topic tree under the prefix and the Home Assistant discovery messages that point at it.

import type { IntegrationKind } from "../integration_kinds.ts";

/** A line number as one topic level: `+`, `#` and `/` would change the topic's meaning. */
export function lineLevel(number: string): string {
  return number.replace(/[+#/]/g, "_");
}

export const topics = {
  status: (prefix: string) => `${prefix}/status`,
  link: (prefix: string) => `${prefix}/link`,
  lineState: (prefix: string, line: string) => `${prefix}/line/${lineLevel(line)}/state`,
  callEvent: (prefix: string, line: string) => `${prefix}/line/${lineLevel(line)}/event`,
  callRecord: (prefix: string) => `${prefix}/call/record`,
  smdr: (prefix: string) => `${prefix}/smdr`,
};

/** Whether messages of a kind are retained: the current state of something, not a happening. */
export const RETAINED: Record<IntegrationKind, boolean> = {
  lineState: true,
  link: true,
  callEvent: false,
  callRecord: false,
  smdr: false,
};

export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/**
 * Home Assistant MQTT discovery: one sensor per enabled line (its state; the other party and the call as
 * attributes) and a connectivity binary sensor for the PBX link, all on one device, available while
 * `<prefix>/status` is `online`.
 */
export function homeAssistantDiscovery(options: {
  discoveryPrefix: string;
  prefix: string;
  node: string;
  boxName: string;
  version: string;
  lines: readonly { number: string; name: string }[];
}): DiscoveryMessage[] {
  const { discoveryPrefix, prefix, node } = options;
  const device = {
    identifiers: [`cstabox_${node}`],
    name: `cstabox ${options.boxName}`,
    manufacturer: "cstabox",
    model: "CSTA multiplexer",
    sw_version: options.version,
  };
  const availability = {
    availability_topic: topics.status(prefix),
    payload_available: "online",
    payload_not_available: "offline",
  };
  const out: DiscoveryMessage[] = options.lines.map((line) => {
    const id = `cstabox_${node}_line_${lineLevel(line.number).replace(/[^A-Za-z0-9_-]/g, "_")}`;
    return {
      topic: `${discoveryPrefix}/sensor/${node}/${id}/config`,
      payload: {
        name: line.name ? `Line ${line.number} ${line.name}` : `Line ${line.number}`,
        unique_id: id,
        object_id: id,
        state_topic: topics.lineState(prefix, line.number),
        value_template: "{{ value_json.state }}",
        json_attributes_topic: topics.lineState(prefix, line.number),
        json_attributes_template:
          "{{ {'other_party': (value_json.otherParty.number if value_json.otherParty else none), 'other_name': (value_json.otherParty.name if value_json.otherParty else none), 'call_id': value_json.callId, 'calls': value_json.calls, 'since': value_json.since} | tojson }}",
        icon: "mdi:phone",
        device,
        ...availability,
      },
    };
  });
  out.push({
    topic: `${discoveryPrefix}/binary_sensor/${node}/cstabox_${node}_pbx_link/config`,
    payload: {
      name: "PBX link",
      unique_id: `cstabox_${node}_pbx_link`,
      object_id: `cstabox_${node}_pbx_link`,
      state_topic: topics.link(prefix),
      value_template: "{{ value_json.state }}",
      payload_on: "up",
      payload_off: "down",
      device_class: "connectivity",
      device,
      ...availability,
    },
  });
  return out;
}
