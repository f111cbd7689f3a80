// A command's error in the user's language, by its code. The tables are `Record<ErrorCode, …>`
// over the generated union, so tsc fails when Rust adds a code the page cannot word. `{detail}`
// stands for the core's (English) message where it names something only it knows (a file, a
// label, what Duo said); a code the page has no text for (a newer core, a bridge failure) shows
// the core's message alone.
import type { ErrorCode } from "../ipc/bindings";
import { asAppError, type AppError } from "../ipc/invoke";
import { i18n, type Locale } from "./i18n.svelte";
import { format } from "./messages";

export const errorsEn: Record<ErrorCode, string> = {
  locked: "The workspace is locked.",
  mfa_required: "This workspace needs a second factor.",
  wrong_code: "Wrong code.",
  replayed: "This code was already used; wait for the next one.",
  wrong_backup_code: "Wrong or already used backup code.",
  locked_out: "Too many wrong codes; try again in {secs} s.",
  password_required: "Too many wrong codes; wait {secs} s and enter the password again.",
  no_enrolment: "Nothing is being set up; begin again.",
  enrolment_expired: "The set-up expired after 10 minutes; begin again.",
  unknown_method: "{detail}",
  bad_label: "{detail}",
  step_up_required: "This change needs a second factor verified in the last 5 minutes.",
  not_enabled: "{detail}",
  duo_unavailable: "{detail}",
  duo_denied: "{detail}",
  duo_enroll: "{detail}",
  duo_sms_sent: "Duo sent SMS passcodes; enter one with the passcode factor.",
  duo_error: "Duo: {detail}",
  duo_bad_ikey: "Duo refused the integration key: check it.",
  duo_bad_skey: "Duo refused the signature: check the secret key.",
  duo_bad_host: "The Duo API hostname is not valid.",
  duo_bad_clock: "Duo refused the request time: check this computer's clock.",
  email_code_expired: "{detail}",
  email_rate_limited: "A code was sent recently; wait {secs} s before sending another.",
  email_error: "{detail}",
  internal: "Something went wrong: {detail}",
  not_found: "{detail}",
  exists: "{detail}",
  not_workspace: "This is not a Portcullis workspace.",
  too_new: "A newer Portcullis made this workspace; update Portcullis to open it.",
  wrong_password: "{detail}",
  not_on_this_device:
    "This workspace is bound to another computer: its device key is not in this computer's keyring (restore it from the recovery kit).",
  keyring_unavailable: "{detail}",
  damaged: "{detail}",
  costly_kdf: "This workspace asks for a costly key derivation.",
  busy: "This workspace is busy in another process; try again.",
  open_elsewhere: "This workspace is open in another window or program.",
  no_entry: "{detail}",
  ambiguous: "{detail}",
  invalid: "{detail}",
  invalid_otp: "{detail}",
  invalid_import: "{detail}",
  password_needed: "This file is encrypted: enter its password.",
  no_image: "There is no image on the clipboard.",
  no_clipboard: "The clipboard is not available.",
  no_file: "Choose the file again.",
  io: "{detail}",
  device_binding: "{detail}",
  quick_unlock: "{detail}",
  no_login: "This connection has no linked login: edit it to choose one.",
  missing_program: "{program} is not installed: install the Debian package {package} (sudo apt install {package}).",
  login_failed: "The server did not accept the password (it was sent once).",
  before_password:
    "The connection failed before any password was sent: the server is unreachable, or its host key is not the pinned one (if it really changed, check the new one with its administrator).",
  certificate_refused: "The server's certificate was refused by the connection's certificate policy; no password was sent.",
  no_host_key: "The server presented no host key: is it reachable?",
  terminal_failed: "The terminal emulator (x-terminal-emulator) did not start the session; no password was sent.",
  connect_failed: "The connection could not be prepared: {detail}",
};

export const errorsFr: Record<ErrorCode, string> = {
  locked: "L’espace de travail est verrouillé.",
  mfa_required: "Cet espace de travail demande un second facteur.",
  wrong_code: "Code erroné.",
  replayed: "Ce code a déjà servi ; attendez le suivant.",
  wrong_backup_code: "Code de secours erroné ou déjà utilisé.",
  locked_out: "Trop de codes erronés ; réessayez dans {secs} s.",
  password_required: "Trop de codes erronés ; attendez {secs} s et saisissez de nouveau le mot de passe.",
  no_enrolment: "Aucune configuration en cours ; recommencez.",
  enrolment_expired: "La configuration a expiré après 10 minutes ; recommencez.",
  unknown_method: "Méthode inconnue ({detail}).",
  bad_label: "Nom refusé ({detail}).",
  step_up_required: "Cette modification demande un second facteur vérifié dans les 5 dernières minutes.",
  not_enabled: "Ce n’est pas activé ({detail}).",
  duo_unavailable: "Duo est injoignable ({detail}).",
  duo_denied: "Duo a refusé ({detail}).",
  duo_enroll: "Cet utilisateur Duo n’a pas encore d’appareil ({detail}).",
  duo_sms_sent: "Duo a envoyé des codes par SMS ; saisissez-en un avec le facteur « code ».",
  duo_error: "Duo : {detail}",
  duo_bad_ikey: "Duo a refusé la clé d’intégration.",
  duo_bad_skey: "Duo a refusé la signature : vérifiez la clé secrète.",
  duo_bad_host: "Le nom d’hôte de l’API Duo n’est pas valide.",
  duo_bad_clock: "Duo a refusé l’heure de la requête : vérifiez l’horloge de cet ordinateur.",
  email_code_expired: "Le code envoyé par e-mail n’est plus valable ; envoyez-en un nouveau.",
  email_rate_limited: "Un code a été envoyé récemment ; attendez {secs} s avant d’en envoyer un autre.",
  email_error: "L’e-mail n’a pas pu être envoyé ({detail}).",
  internal: "Une erreur s’est produite : {detail}",
  not_found: "Introuvable ({detail}).",
  exists: "Existe déjà ({detail}).",
  not_workspace: "Ce n’est pas un espace de travail Portcullis.",
  too_new: "Une version plus récente de Portcullis a créé cet espace de travail ; mettez Portcullis à jour pour l’ouvrir.",
  wrong_password: "Mot de passe (ou clé de récupération) erroné, ou fichier endommagé.",
  not_on_this_device:
    "Cet espace de travail est lié à un autre ordinateur : sa clé d’appareil n’est pas dans le trousseau de cet ordinateur (restaurez-la depuis le kit de récupération).",
  keyring_unavailable: "Le trousseau du système n’est pas disponible ({detail}).",
  damaged: "Espace de travail endommagé ({detail}).",
  costly_kdf: "Cet espace de travail demande une dérivation de clé coûteuse.",
  busy: "Cet espace de travail est occupé par un autre processus ; réessayez.",
  open_elsewhere: "Cet espace de travail est ouvert dans une autre fenêtre ou un autre programme.",
  no_entry: "Aucune entrée ne correspond ({detail}).",
  ambiguous: "Plusieurs entrées correspondent ({detail}).",
  invalid: "Valeur refusée : {detail}",
  invalid_otp: "Code OTP illisible : {detail}",
  invalid_import: "Ce fichier ne peut pas être importé : {detail}",
  password_needed: "Ce fichier est chiffré : saisissez son mot de passe.",
  no_image: "Le presse-papiers ne contient pas d’image.",
  no_clipboard: "Le presse-papiers n’est pas disponible.",
  no_file: "Choisissez de nouveau le fichier.",
  io: "Erreur de lecture ou d’écriture : {detail}",
  device_binding: "Liaison à l’appareil : {detail}",
  quick_unlock: "Déverrouillage rapide : {detail}",
  no_login: "Cette connexion n’a pas de compte associé : modifiez-la pour en choisir un.",
  missing_program: "{program} n’est pas installé : installez le paquet Debian {package} (sudo apt install {package}).",
  login_failed: "Le serveur n’a pas accepté le mot de passe (il a été envoyé une seule fois).",
  before_password:
    "La connexion a échoué avant l’envoi de tout mot de passe : le serveur est injoignable, ou sa clé d’hôte n’est pas celle épinglée (si elle a vraiment changé, vérifiez la nouvelle avec son administrateur).",
  certificate_refused: "Le certificat du serveur a été refusé par la règle de certificat de la connexion ; aucun mot de passe n’a été envoyé.",
  no_host_key: "Le serveur n’a présenté aucune clé d’hôte : est-il joignable ?",
  terminal_failed: "L’émulateur de terminal (x-terminal-emulator) n’a pas lancé la session ; aucun mot de passe n’a été envoyé.",
  connect_failed: "La connexion n’a pas pu être préparée : {detail}",
};

const tables: Record<Locale, Record<string, string>> = { en: errorsEn, fr: errorsFr };

/** The text for `error` in `locale` (the page's language by default). */
export function errorText(error: unknown, locale: Locale = i18n.locale): string {
  const e: AppError = asAppError(error);
  const text = tables[locale][e.code];
  if (text === undefined) return e.message;
  return format(text, {
    detail: e.message,
    secs: e.wait_secs ?? "?",
    program: e.missing?.program ?? "?",
    package: e.missing?.package ?? "?",
  });
}
