/**
 * The stand-in's Contacts: `IMSG_SIM_CONTACTS="Alice Smith=+15550001111;Bob=bob@example.com"`. `send` resolves
 * a recipient that is a contact name (imsg's rule) here, like imsg: one match is sent to its handle; none, or
 * several, is -32602 and nothing is sent (protocol §2.4, `ChatTargetResolver.resolveRecipientName`).
 */
import { SimError } from "./sim-error.ts";

/** One address-book entry. */
export interface SimContact {
  name: string;
  handle: string;
}

/**
 * Parses `Name=handle;Name=handle` (empty → no contacts).
 * @throws {SimError} `SIM_CONFIG_INVALID` for an entry without `=`, a name or a handle.
 */
export function parseContacts(value: string | undefined): SimContact[] {
  if (value === undefined || value.trim() === "") return [];
  return value.split(";").map((entry) => {
    const at = entry.indexOf("=");
    const name = entry.slice(0, at).trim();
    const handle = entry.slice(at + 1).trim();
    if (at < 0 || name === "" || handle === "") {
      throw new SimError(
        "SIM_CONFIG_INVALID",
        `IMSG_SIM_CONTACTS entry "${entry}" is invalid; write Name=handle entries separated by ";".`,
      );
    }
    return { name, handle };
  });
}

/** Contacts whose name contains `query` (case-insensitive), as Contacts' name search does. */
export function searchContacts(contacts: readonly SimContact[], query: string): SimContact[] {
  const wanted = query.trim().toLowerCase();
  return contacts.filter((contact) => contact.name.toLowerCase().includes(wanted));
}
