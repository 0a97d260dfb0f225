/** `~` expansion is remote-ssh's (the lowest layer that needs it); re-exported for the gateway's modules. */
export { expandHome } from "@imgate/remote-ssh";
