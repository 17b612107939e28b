/*
 * The services port (self_port.c): where the appliance's own TCP/IP stack
 * is. Included by eng_internal.h.
 */
#ifndef MOAT_ENG_SELF_H
#define MOAT_ENG_SELF_H

struct eng_self_port {
        bool on;
        uint16_t ifindex;
        uint8_t mac[6]; /* the stack's device */
};

/* An IP packet out on ifindex to a known MAC: no neighbour lookup (route.c). */
bool eng_output_ip_to(struct engine *eng, uint16_t ifindex, const uint8_t mac[6], int af,
                      const uint8_t *ip, uint32_t len, uint16_t gso);
/* To the appliance's own stack; true if it took the packet (counted if dropped). */
bool eng_self_deliver(struct engine *eng, struct eng_pdesc *pd);

#endif
