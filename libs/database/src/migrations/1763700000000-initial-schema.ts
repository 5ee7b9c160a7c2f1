import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole Octavia object model in one go, so that later work adds behaviour rather than schema churn:
 * load balancers (VIP columns on the row, additional VIPs), listeners, pools with session persistence,
 * members, health monitors, L7 policies and rules, tags (text[] per object), quotas, flavors and profiles,
 * availability zones and profiles, amphorae and their health, VRRP groups, listener statistics,
 * the worker's flow records and step journal, and the local network driver's networks, subnets, ports and IPs.
 */
export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  public async up(q: QueryRunner): Promise<void> {
    for (const statement of CREATE_STATEMENTS) await q.query(statement);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await q.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
  }
}

const TABLES = [
  'load_balancer', 'additional_vip', 'listener', 'pool', 'member', 'health_monitor', 'l7policy', 'l7rule', 'quotas',
  'flavor_profile', 'flavor', 'availability_zone_profile', 'availability_zone', 'amphora', 'amphora_health',
  'vrrp_group', 'listener_statistics', 'flow', 'flow_step', 'network', 'subnet', 'port', 'ip_allocation',
];

const CREATE_STATEMENTS = [
  `CREATE TABLE "load_balancer" ("id" uuid NOT NULL, "project_id" character varying(36), "name" character varying(255), "description" character varying(255), "provisioning_status" character varying(16) NOT NULL, "operating_status" character varying(16) NOT NULL, "enabled" boolean NOT NULL, "topology" character varying(36), "provider" character varying(64), "flavor_id" uuid, "availability_zone" character varying(255), "server_group_id" character varying(36), "tags" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, "vip_address" character varying(64), "vip_port_id" character varying(36), "vip_subnet_id" character varying(36), "vip_network_id" character varying(36), "vip_qos_policy_id" character varying(36), "vip_octavia_owned" boolean NOT NULL DEFAULT true, "vip_vnic_type" character varying(16) NOT NULL DEFAULT 'normal', "vip_sg_ids" text array NOT NULL DEFAULT '{}', CONSTRAINT "pk_load_balancer" PRIMARY KEY ("id"))`,
  `CREATE TABLE "additional_vip" ("load_balancer_id" uuid NOT NULL, "subnet_id" character varying(36) NOT NULL, "network_id" character varying(36), "ip_address" character varying(64), "port_id" character varying(36), CONSTRAINT "pk_additional_vip" PRIMARY KEY ("load_balancer_id", "subnet_id"))`,
  `CREATE TABLE "listener" ("id" uuid NOT NULL, "project_id" character varying(36), "load_balancer_id" uuid NOT NULL, "name" character varying(255), "description" character varying(255), "protocol" character varying(16) NOT NULL, "protocol_port" integer NOT NULL, "connection_limit" integer NOT NULL, "enabled" boolean NOT NULL, "provisioning_status" character varying(16) NOT NULL, "operating_status" character varying(16) NOT NULL, "default_pool_id" uuid, "default_tls_container_ref" character varying(255), "sni_container_refs" text array NOT NULL DEFAULT '{}', "client_ca_tls_container_ref" character varying(255), "client_authentication" character varying(16) NOT NULL DEFAULT 'NONE', "client_crl_container_ref" character varying(255), "insert_headers" jsonb NOT NULL DEFAULT '{}', "timeout_client_data" integer NOT NULL, "timeout_member_connect" integer NOT NULL, "timeout_member_data" integer NOT NULL, "timeout_tcp_inspect" integer NOT NULL, "allowed_cidrs" text array, "tls_ciphers" character varying(2048), "tls_versions" text array, "alpn_protocols" text array, "hsts_max_age" integer, "hsts_include_subdomains" boolean NOT NULL DEFAULT false, "hsts_preload" boolean NOT NULL DEFAULT false, "tags" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, CONSTRAINT "pk_listener" PRIMARY KEY ("id"))`,
  `CREATE TABLE "pool" ("id" uuid NOT NULL, "project_id" character varying(36), "load_balancer_id" uuid NOT NULL, "name" character varying(255), "description" character varying(255), "protocol" character varying(16) NOT NULL, "lb_algorithm" character varying(32) NOT NULL, "enabled" boolean NOT NULL, "provisioning_status" character varying(16) NOT NULL, "operating_status" character varying(16) NOT NULL, "session_persistence" jsonb, "tls_enabled" boolean NOT NULL DEFAULT false, "tls_container_ref" character varying(255), "ca_tls_container_ref" character varying(255), "crl_container_ref" character varying(255), "tls_ciphers" character varying(2048), "tls_versions" text array, "alpn_protocols" text array, "tags" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, CONSTRAINT "pk_pool" PRIMARY KEY ("id"))`,
  `CREATE TABLE "member" ("id" uuid NOT NULL, "project_id" character varying(36), "pool_id" uuid NOT NULL, "name" character varying(255), "ip_address" character varying(64) NOT NULL, "protocol_port" integer NOT NULL, "weight" integer NOT NULL, "backup" boolean NOT NULL, "enabled" boolean NOT NULL, "subnet_id" character varying(36), "monitor_address" character varying(64), "monitor_port" integer, "vnic_type" character varying(16) NOT NULL DEFAULT 'normal', "provisioning_status" character varying(16) NOT NULL, "operating_status" character varying(16) NOT NULL, "tags" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, CONSTRAINT "pk_member" PRIMARY KEY ("id"))`,
  `CREATE TABLE "health_monitor" ("id" uuid NOT NULL, "project_id" character varying(36), "pool_id" uuid NOT NULL, "name" character varying(255), "type" character varying(36) NOT NULL, "delay" integer NOT NULL, "timeout" integer NOT NULL, "rise_threshold" integer NOT NULL, "fall_threshold" integer NOT NULL, "http_method" character varying(16), "url_path" character varying(2048), "expected_codes" character varying(64), "http_version" double precision, "domain_name" character varying(255), "enabled" boolean NOT NULL, "provisioning_status" character varying(16) NOT NULL, "operating_status" character varying(16) NOT NULL, "tags" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, CONSTRAINT "uq_health_monitor" UNIQUE ("pool_id"), CONSTRAINT "pk_health_monitor" PRIMARY KEY ("id"))`,
  `CREATE TABLE "l7policy" ("id" uuid NOT NULL, "project_id" character varying(36), "listener_id" uuid NOT NULL, "name" character varying(255), "description" character varying(255), "action" character varying(36) NOT NULL, "redirect_pool_id" uuid, "redirect_url" character varying(255), "redirect_prefix" character varying(255), "redirect_http_code" integer, "position" integer NOT NULL, "enabled" boolean NOT NULL, "provisioning_status" character varying(16) NOT NULL, "operating_status" character varying(16) NOT NULL, "tags" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, CONSTRAINT "pk_l7policy" PRIMARY KEY ("id"))`,
  `CREATE TABLE "l7rule" ("id" uuid NOT NULL, "project_id" character varying(36), "l7policy_id" uuid NOT NULL, "type" character varying(36) NOT NULL, "compare_type" character varying(36) NOT NULL, "key" character varying(255), "value" character varying(255) NOT NULL, "invert" boolean NOT NULL, "enabled" boolean NOT NULL, "provisioning_status" character varying(16) NOT NULL, "operating_status" character varying(16) NOT NULL, "tags" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, CONSTRAINT "pk_l7rule" PRIMARY KEY ("id"))`,
  `CREATE TABLE "quotas" ("project_id" character varying(36) NOT NULL, "load_balancer" integer, "listener" integer, "pool" integer, "health_monitor" integer, "member" integer, "l7policy" integer, "l7rule" integer, CONSTRAINT "pk_quotas" PRIMARY KEY ("project_id"))`,
  `CREATE TABLE "flavor_profile" ("id" uuid NOT NULL, "name" character varying(255) NOT NULL, "provider_name" character varying(255) NOT NULL, "flavor_data" character varying(4096) NOT NULL, CONSTRAINT "pk_flavor_profile" PRIMARY KEY ("id"))`,
  `CREATE TABLE "flavor" ("id" uuid NOT NULL, "name" character varying(255) NOT NULL, "description" character varying(255), "enabled" boolean NOT NULL, "flavor_profile_id" uuid NOT NULL, CONSTRAINT "uq_flavor" UNIQUE ("name"), CONSTRAINT "pk_flavor" PRIMARY KEY ("id"))`,
  `CREATE TABLE "availability_zone_profile" ("id" uuid NOT NULL, "name" character varying(255) NOT NULL, "provider_name" character varying(255) NOT NULL, "availability_zone_data" character varying(4096) NOT NULL, CONSTRAINT "pk_availability_zone_profile" PRIMARY KEY ("id"))`,
  `CREATE TABLE "availability_zone" ("name" character varying(255) NOT NULL, "description" character varying(255), "enabled" boolean NOT NULL, "availability_zone_profile_id" uuid NOT NULL, CONSTRAINT "pk_availability_zone" PRIMARY KEY ("name"))`,
  `CREATE TABLE "amphora" ("id" uuid NOT NULL, "compute_id" character varying(255), "status" character varying(36) NOT NULL, "load_balancer_id" uuid, "lb_network_ip" character varying(64), "vrrp_ip" character varying(64), "ha_ip" character varying(64), "vrrp_port_id" character varying(36), "ha_port_id" character varying(36), "role" character varying(36), "cert_expiration" TIMESTAMP, "cert_busy" boolean NOT NULL DEFAULT false, "vrrp_interface" character varying(16), "vrrp_id" integer, "vrrp_priority" integer, "cached_zone" character varying(255), "image_id" character varying(36), "compute_flavor" character varying(255), "compute_driver" character varying(32), "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, CONSTRAINT "pk_amphora" PRIMARY KEY ("id"))`,
  `CREATE TABLE "amphora_health" ("amphora_id" uuid NOT NULL, "last_update" TIMESTAMP NOT NULL, "busy" boolean NOT NULL, "claimed_by" character varying(255), "claimed_at" TIMESTAMP, "failover_attempts" integer NOT NULL DEFAULT '0', "next_failover_at" TIMESTAMP, CONSTRAINT "pk_amphora_health" PRIMARY KEY ("amphora_id"))`,
  `CREATE TABLE "vrrp_group" ("load_balancer_id" uuid NOT NULL, "vrrp_group_name" character varying(36) NOT NULL, "vrrp_auth_type" character varying(36) NOT NULL, "vrrp_auth_pass" character varying(36) NOT NULL, "advert_int" double precision NOT NULL, CONSTRAINT "pk_vrrp_group" PRIMARY KEY ("load_balancer_id"))`,
  `CREATE TABLE "listener_statistics" ("listener_id" uuid NOT NULL, "amphora_id" uuid NOT NULL, "bytes_in" bigint NOT NULL, "bytes_out" bigint NOT NULL, "active_connections" integer NOT NULL, "total_connections" bigint NOT NULL, "request_errors" bigint NOT NULL, CONSTRAINT "pk_listener_statistics" PRIMARY KEY ("listener_id", "amphora_id"))`,
  `CREATE TABLE "flow" ("id" uuid NOT NULL, "kind" character varying(64) NOT NULL, "load_balancer_id" uuid, "target_id" uuid, "payload" jsonb NOT NULL, "status" character varying(16) NOT NULL, "priority" integer NOT NULL DEFAULT '0', "attempts" integer NOT NULL DEFAULT '0', "error" text, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP, "dispatched_at" TIMESTAMP, CONSTRAINT "pk_flow" PRIMARY KEY ("id"))`,
  `CREATE TABLE "flow_step" ("flow_id" uuid NOT NULL, "index" integer NOT NULL, "name" character varying(128) NOT NULL, "status" character varying(16) NOT NULL, "result" jsonb, "started_at" TIMESTAMP NOT NULL, "finished_at" TIMESTAMP, CONSTRAINT "pk_flow_step" PRIMARY KEY ("flow_id", "index"))`,
  `CREATE TABLE "network" ("id" uuid NOT NULL, "name" character varying(255) NOT NULL, "project_id" character varying(36), "bridge" character varying(15), "created_at" TIMESTAMP NOT NULL, CONSTRAINT "pk_network" PRIMARY KEY ("id"))`,
  `CREATE TABLE "subnet" ("id" uuid NOT NULL, "network_id" uuid NOT NULL, "name" character varying(255) NOT NULL, "cidr" character varying(64) NOT NULL, "ip_version" integer NOT NULL, "gateway_ip" character varying(64), "allocation_pools" jsonb NOT NULL, "project_id" character varying(36), CONSTRAINT "pk_subnet" PRIMARY KEY ("id"))`,
  `CREATE TABLE "port" ("id" uuid NOT NULL, "network_id" uuid NOT NULL, "name" character varying(255) NOT NULL, "device_id" character varying(255), "device_owner" character varying(255), "mac_address" character varying(17) NOT NULL, "fixed_ips" jsonb NOT NULL, "project_id" character varying(36), "created_at" TIMESTAMP NOT NULL, CONSTRAINT "pk_port" PRIMARY KEY ("id"))`,
  `CREATE TABLE "ip_allocation" ("subnet_id" uuid NOT NULL, "ip_address" character varying(64) NOT NULL, "port_id" uuid NOT NULL, CONSTRAINT "pk_ip_allocation" PRIMARY KEY ("subnet_id", "ip_address"))`,
  // Children go with their parents; deleting a pool that an L7 policy redirects to is refused by the API first.
  `ALTER TABLE "additional_vip" ADD CONSTRAINT "fk_additional_vip_lb" FOREIGN KEY ("load_balancer_id") REFERENCES "load_balancer"("id") ON DELETE CASCADE`,
  `ALTER TABLE "listener" ADD CONSTRAINT "fk_listener_lb" FOREIGN KEY ("load_balancer_id") REFERENCES "load_balancer"("id") ON DELETE CASCADE`,
  `ALTER TABLE "pool" ADD CONSTRAINT "fk_pool_lb" FOREIGN KEY ("load_balancer_id") REFERENCES "load_balancer"("id") ON DELETE CASCADE`,
  `ALTER TABLE "listener" ADD CONSTRAINT "fk_listener_default_pool" FOREIGN KEY ("default_pool_id") REFERENCES "pool"("id") ON DELETE SET NULL`,
  `ALTER TABLE "member" ADD CONSTRAINT "fk_member_pool" FOREIGN KEY ("pool_id") REFERENCES "pool"("id") ON DELETE CASCADE`,
  `ALTER TABLE "health_monitor" ADD CONSTRAINT "fk_health_monitor_pool" FOREIGN KEY ("pool_id") REFERENCES "pool"("id") ON DELETE CASCADE`,
  `ALTER TABLE "l7policy" ADD CONSTRAINT "fk_l7policy_listener" FOREIGN KEY ("listener_id") REFERENCES "listener"("id") ON DELETE CASCADE`,
  `ALTER TABLE "l7policy" ADD CONSTRAINT "fk_l7policy_redirect_pool" FOREIGN KEY ("redirect_pool_id") REFERENCES "pool"("id") ON DELETE SET NULL`,
  `ALTER TABLE "l7rule" ADD CONSTRAINT "fk_l7rule_l7policy" FOREIGN KEY ("l7policy_id") REFERENCES "l7policy"("id") ON DELETE CASCADE`,
  `ALTER TABLE "flavor" ADD CONSTRAINT "fk_flavor_profile" FOREIGN KEY ("flavor_profile_id") REFERENCES "flavor_profile"("id")`,
  `ALTER TABLE "availability_zone" ADD CONSTRAINT "fk_az_profile" FOREIGN KEY ("availability_zone_profile_id") REFERENCES "availability_zone_profile"("id")`,
  `ALTER TABLE "flow_step" ADD CONSTRAINT "fk_flow_step_flow" FOREIGN KEY ("flow_id") REFERENCES "flow"("id") ON DELETE CASCADE`,
  `ALTER TABLE "subnet" ADD CONSTRAINT "fk_subnet_network" FOREIGN KEY ("network_id") REFERENCES "network"("id") ON DELETE CASCADE`,
  `ALTER TABLE "port" ADD CONSTRAINT "fk_port_network" FOREIGN KEY ("network_id") REFERENCES "network"("id") ON DELETE CASCADE`,
  `ALTER TABLE "ip_allocation" ADD CONSTRAINT "fk_ip_allocation_port" FOREIGN KEY ("port_id") REFERENCES "port"("id") ON DELETE CASCADE`,
  `ALTER TABLE "ip_allocation" ADD CONSTRAINT "fk_ip_allocation_subnet" FOREIGN KEY ("subnet_id") REFERENCES "subnet"("id") ON DELETE CASCADE`,
  // A member address and port are unique within a pool (409 DuplicateMemberEntry is also caught from here).
  `ALTER TABLE "member" ADD CONSTRAINT "uq_member_pool_address_port" UNIQUE ("pool_id", "ip_address", "protocol_port")`,
  `CREATE INDEX "ix_load_balancer_project" ON "load_balancer" ("project_id", "created_at")`,
  `CREATE INDEX "ix_load_balancer_status" ON "load_balancer" ("provisioning_status")`,
  `CREATE INDEX "ix_listener_lb" ON "listener" ("load_balancer_id")`,
  `CREATE INDEX "ix_pool_lb" ON "pool" ("load_balancer_id")`,
  `CREATE INDEX "ix_member_pool" ON "member" ("pool_id")`,
  `CREATE INDEX "ix_l7policy_listener" ON "l7policy" ("listener_id", "position")`,
  `CREATE INDEX "ix_l7rule_policy" ON "l7rule" ("l7policy_id")`,
  `CREATE INDEX "ix_amphora_lb" ON "amphora" ("load_balancer_id")`,
  `CREATE INDEX "ix_amphora_health_last_update" ON "amphora_health" ("last_update")`,
  `CREATE INDEX "ix_flow_status" ON "flow" ("status", "priority", "created_at")`,
  `CREATE INDEX "ix_flow_lb" ON "flow" ("load_balancer_id")`,
  `CREATE INDEX "ix_port_device" ON "port" ("device_id")`,
];
