package io.camelpgmq.examples.springboot;

import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /orders} places an order; {@code GET /orders/{id}} tells its status (PLACED, then SHIPPED). */
@RestController
public class OrderController {

    private final OrderService orders;

    public OrderController(OrderService orders) {
        this.orders = orders;
    }

    @PostMapping("/orders")
    public ResponseEntity<Map<String, String>> place(@RequestBody OrderService.Order order) {
        orders.place(order);
        return ResponseEntity.status(HttpStatus.CREATED).body(Map.of("id", order.id(), "status", "PLACED"));
    }

    @GetMapping("/orders/{id}")
    public ResponseEntity<Map<String, String>> status(@PathVariable("id") String id) {
        String status = orders.status(id);
        return status == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(Map.of("id", id, "status", status));
    }

    @ExceptionHandler(OrderService.OrderRefusedException.class)
    public ResponseEntity<Map<String, String>> refused(OrderService.OrderRefusedException e) {
        return ResponseEntity.unprocessableEntity().body(Map.of("error", e.getMessage()));
    }
}
