// Attachments: thin wrappers over the generated bindings (src-tauri/src/commands/attachments.rs).
import { commands, type AttachmentInfo } from "./bindings";

export type { AttachmentInfo };
/** The attachments of an entry, by name. */
export const listAttachments = commands.listAttachments;
/** Attaches a file chosen to read (a handle from `pickFile("read")`). */
export const attachFile = commands.attachFile;
/** Saves an attachment to a file chosen to save (a new, owner-only file); its size. */
export const saveAttachment = commands.saveAttachment;
/** Removes an attachment. */
export const detachFile = commands.detachFile;
