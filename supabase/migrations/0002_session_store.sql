CREATE TABLE "whatsapp_auth_creds" (
	"instance_id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"creds" text NOT NULL,
	"phone_number" text,
	"format_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "whatsapp_auth_keys" (
	"organization_id" uuid NOT NULL,
	"instance_id" uuid NOT NULL,
	"type" text NOT NULL,
	"id" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "whatsapp_auth_keys_instance_id_type_id_pk" PRIMARY KEY("instance_id","type","id")
);
--> statement-breakpoint
ALTER TABLE "whatsapp_auth_creds" ADD CONSTRAINT "whatsapp_auth_creds_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "whatsapp_auth_keys" ADD CONSTRAINT "whatsapp_auth_keys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
SELECT oxy_enable_tenant_rls('whatsapp_auth_creds', 'organization_id');
--> statement-breakpoint
SELECT oxy_enable_tenant_rls('whatsapp_auth_keys', 'organization_id');
