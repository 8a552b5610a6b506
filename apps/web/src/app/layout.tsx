import type { Metadata } from "next";
import type { ReactNode } from "react";
import { publicConfig } from "../config";
import { Providers } from "../s3ssions/browser";
import "./globals.css";

export const metadata: Metadata = { title: "S3SSIONS — upcoming sessions" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers config={publicConfig()}>{children}</Providers>
      </body>
    </html>
  );
}
