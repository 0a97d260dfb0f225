/**
 * What an approved sender is told when the owner approves with notify (`imgate pairing approve --notify`,
 * or `POST /v1/pairing/approve` with `notify: true`): the same words whether or not a gateway is running.
 */
export const PAIRING_APPROVED_MESSAGE = "✅ imgate access approved. Send a message to start chatting.";
