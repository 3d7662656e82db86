// Outgoing mail: SMTP through nodemailer when SMTP_URL is set; otherwise none, and callers show
// the link to the person who asked (invitations) or leave it to the operator CLI (password resets).
import nodemailer from "nodemailer";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly enabled: boolean;
  send(mail: Mail): Promise<void>;
}

export function createMailer(smtpUrl: string | undefined, from: string): Mailer {
  if (!smtpUrl) {
    return {
      enabled: false,
      async send() {},
    };
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    enabled: true,
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
  };
}
