CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "organization_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text DEFAULT 'staff' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"timezone" text DEFAULT 'America/Sao_Paulo' NOT NULL,
	"business_hours" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"authorized_owner_numbers" text[] DEFAULT '{}'::text[] NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "whatsapp_instances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"provider" text DEFAULT 'baileys' NOT NULL,
	"phone_number" text,
	"status" text DEFAULT 'created' NOT NULL,
	"last_connected_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"reconnect_attempts" integer DEFAULT 0 NOT NULL,
	"last_disconnect_reason" text,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "whatsapp_instances" ADD CONSTRAINT "whatsapp_instances_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_organization_id_idx" ON "api_keys" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "organization_members_org_user_key" ON "organization_members" USING btree ("organization_id","user_id");--> statement-breakpoint
CREATE INDEX "organization_members_user_id_idx" ON "organization_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "whatsapp_instances_org_name_key" ON "whatsapp_instances" USING btree ("organization_id","name");--> statement-breakpoint
CREATE INDEX "whatsapp_instances_status_idx" ON "whatsapp_instances" USING btree ("status");--> statement-breakpoint
-- Tenant isolation (shared/DESIGN.md section 4). Request and job code runs as the
-- non-superuser role oxy_tenant with app.organization_id set for its transaction;
-- every tenant table forces RLS so even its owner goes through a policy.
DO $$
BEGIN
  FOR attempt IN 1..5 LOOP
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'oxy_tenant') THEN
        CREATE ROLE oxy_tenant NOLOGIN;
      END IF;
      IF NOT pg_has_role(current_user, 'oxy_tenant', 'MEMBER') THEN
        EXECUTE format('GRANT oxy_tenant TO %I', current_user);
      END IF;
      EXIT;
    EXCEPTION WHEN OTHERS THEN
      -- Roles are cluster-wide: another database migrating at the same moment may
      -- have created or granted it between our check and our statement.
      IF attempt = 5 THEN RAISE; END IF;
      PERFORM pg_sleep(0.05 * attempt);
    END;
  END LOOP;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO oxy_tenant;
--> statement-breakpoint
CREATE FUNCTION oxy_enable_tenant_rls(target regclass, tenant_column text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO oxy_tenant', target);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s TO oxy_tenant'
    ' USING (%I = nullif(current_setting(''app.organization_id'', true), '''')::uuid)'
    ' WITH CHECK (%I = nullif(current_setting(''app.organization_id'', true), '''')::uuid)',
    target, tenant_column, tenant_column);
  -- The migrating role keeps full access for code that is cross-tenant by nature
  -- (auth lookups, instance leases, the health scan), named systemDb in the code.
  EXECUTE format('CREATE POLICY system_access ON %s TO %I USING (true) WITH CHECK (true)', target, current_user);
END $$;
--> statement-breakpoint
SELECT oxy_enable_tenant_rls('organizations', 'id');
--> statement-breakpoint
SELECT oxy_enable_tenant_rls('api_keys', 'organization_id');
--> statement-breakpoint
SELECT oxy_enable_tenant_rls('organization_members', 'organization_id');
--> statement-breakpoint
SELECT oxy_enable_tenant_rls('whatsapp_instances', 'organization_id');
