-- A deleted WhatsApp instance no longer takes its conversations' history with it: its messages stay, their
-- instance_id set null (the delete itself fails the ones still waiting for it: see InstancesRepository.delete).
-- The unique (instance_id, wa_message_id) index holds: NULLs are distinct.
ALTER TABLE "messages" DROP CONSTRAINT "messages_instance_id_whatsapp_instances_id_fk";
--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "instance_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_instance_id_whatsapp_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."whatsapp_instances"("id") ON DELETE set null ON UPDATE no action;
