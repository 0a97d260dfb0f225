/** Marks a voice memo's transcript in the text a model reads (Apple's own, or one the backend made). */
export const TRANSCRIPT_MARKER = "[Voice memo transcript]";
