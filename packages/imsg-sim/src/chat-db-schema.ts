/**
 * Apple's chat.db schema as imsg reads it (§5.4 of docs/imsg-protocol.md), plus the indexes a real
 * chat.db carries so large seeded histories stay fast. Idempotent.
 */
export const CHAT_DB_SCHEMA = `
CREATE TABLE IF NOT EXISTS handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, service TEXT, uncanonicalized_id TEXT);
CREATE TABLE IF NOT EXISTS chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, chat_identifier TEXT, service_name TEXT,
  display_name TEXT, account_id TEXT, account_login TEXT, last_addressed_handle TEXT);
CREATE TABLE IF NOT EXISTS message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, attributedBody BLOB,
  handle_id INTEGER DEFAULT 0, service TEXT, date INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0, destination_caller_id TEXT,
  associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0, thread_originator_guid TEXT, balloon_bundle_id TEXT,
  is_audio_message INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, date_read INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS chat_message_join (chat_id INTEGER, message_id INTEGER, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE IF NOT EXISTS chat_handle_join (chat_id INTEGER, handle_id INTEGER, UNIQUE(chat_id, handle_id));
CREATE TABLE IF NOT EXISTS attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, filename TEXT, uti TEXT, mime_type TEXT,
  transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, user_info BLOB);
CREATE TABLE IF NOT EXISTS message_attachment_join (message_id INTEGER, attachment_id INTEGER, UNIQUE(message_id, attachment_id));
CREATE INDEX IF NOT EXISTS chat_message_join_idx_message_id_only ON chat_message_join(message_id);
CREATE INDEX IF NOT EXISTS chat_message_join_idx_chat_id_date ON chat_message_join(chat_id, message_date);
CREATE INDEX IF NOT EXISTS message_idx_associated_message_type ON message(associated_message_type) WHERE associated_message_type >= 2000;
CREATE INDEX IF NOT EXISTS message_idx_date ON message(date);
CREATE INDEX IF NOT EXISTS handle_idx_id ON handle(id);
CREATE INDEX IF NOT EXISTS chat_idx_chat_identifier ON chat(chat_identifier);
`;
